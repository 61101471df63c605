from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ezy.connectors.sample import SampleConnector
from ezy.pipeline import RetryPolicy
from tests.fakes.rest_api import RestApi, records, serve_rest_api
from tests.fakes.shopify import FakeStore, serve_store
from tests.runs.conftest import drain  # noqa: F401 (the worker fixture, shared with the run tests)


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, initial_delay=0.001, max_delay=0.005)


@pytest.fixture
def postgres_dsn() -> str:
    dsn = os.environ.get("EZY_TEST_POSTGRES_DSN")
    if not dsn:
        pytest.skip("EZY_TEST_POSTGRES_DSN is not set: no PostgreSQL to test against")
    return dsn


@pytest.fixture
async def pg_table(postgres_dsn: str) -> AsyncIterator[str]:
    """A fresh table name; the table, if a test created it, is dropped afterwards."""
    import asyncpg

    name = f"ezy_test_{uuid.uuid4().hex[:12]}"
    yield name
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    finally:
        await conn.close()


@pytest.fixture
def rest_api() -> Iterator[RestApi]:
    """A fake JSON REST API on loopback with 95 products (see tests/fakes/rest_api.py)."""
    with serve_rest_api() as api:
        api.collections["products"] = records(95)
        yield api


@pytest.fixture
def shopify_store() -> Iterator[FakeStore]:
    """A fake Shopify store on loopback: 30 generated products and the webhook fixture's iPod."""
    with serve_store() as store:
        store.products = [
            *SampleConnector({"count": 30, "seed": 5}).generate("products", 0, 30),
            fixture("products_create"),
        ]
        store.customers = SampleConnector({"count": 12, "seed": 5}).generate("customers", 0, 12)
        store.orders = [
            *SampleConnector({"count": 20, "seed": 5}).generate("orders", 0, 20),
            fixture("orders_create"),
        ]
        store.restore_rate = 20_000.0  # Shopify's pacing, sped up for tests
        yield store


def fixture(topic: str) -> dict[str, Any]:
    """A webhook body from tests/fixtures/shopify: the `products/create` one is fixture("products_create")."""
    path = Path(__file__).parent.parent / "fixtures" / "shopify" / f"{topic}.shopify_python_api_fixture.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded
