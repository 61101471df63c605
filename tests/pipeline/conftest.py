from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from ezy.pipeline import RetryPolicy
from tests.compilations import compilations  # noqa: F401  (a fixture of this package's tests)


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
