"""Previews of runaway expressions: a 422 at the expression within its budget, and the API keeps
answering other requests while a preview evaluates."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ezy.expressions import Budget
from tests import resources as r
from tests.conftest import TestTenant
from tests.expressions.runaways import (
    CATASTROPHIC_REGEXES,
    EVIL,
    RECURSE,
    RUNAWAYS,
    SMALL,
    TIMEOUT,
    budget_of,
    deep_record,
)

URL = r.API + "/mapping-configurations"


# A request body nests at most 64 levels (ezy/jsonsafe.py), so the deep record sent here is shallower
# than the run tests' and the depth budget is lowered to match.
PREVIEW_BUDGET = dataclasses.replace(SMALL, max_depth=100)
PREVIEW_DEEP = 50


@pytest.fixture(autouse=True)
def small_budget() -> Iterator[None]:
    with budget_of(PREVIEW_BUDGET):
        yield


def document(price: str, **transform: Any) -> dict[str, Any]:
    return {"version": 1, "transform": {"fields": {"id": "id", "price": price}, **transform}}


@pytest.mark.parametrize(("source", "kind"), RUNAWAYS)
async def test_runaway_expression_is_a_422_at_its_field(
    client: httpx.AsyncClient, tenant: TestTenant, source: str, kind: str
) -> None:
    body = {"document": document(source), "records": [{"id": 1}, {"id": 2, **deep_record(PREVIEW_DEEP)}]}
    started = time.monotonic()
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    # Without a budget it never answers; the margin is for a CI machine running other suites.
    assert time.monotonic() - started < TIMEOUT + 10.0
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert error["pointer"] == "/document/transform/fields/price"
    assert error["message"].startswith("record ") and "price: expression " in error["message"]


@pytest.mark.parametrize(
    ("transform", "pointer"),
    [
        pytest.param({"key": RECURSE}, "/document/transform/key", id="key"),
        pytest.param({"filter": RECURSE}, "/document/transform/filter", id="filter"),
    ],
)
async def test_runaway_key_or_filter_is_a_422_at_it(
    client: httpx.AsyncClient, tenant: TestTenant, transform: dict[str, str], pointer: str
) -> None:
    body = {"document": document("id", **transform), "records": [{"id": 1}]}
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [pointer]
    assert "time budget" in answer.json()["errors"][0]["message"]


async def test_saved_mapping_preview_points_into_its_document(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_mapping(client, tenant, document=document(RECURSE))
    answer = await client.post(f"{URL}/{row['id']}/preview", json={"records": [{}]}, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == ["/document/transform/fields/price"]


@pytest.mark.parametrize(("source", "value"), CATASTROPHIC_REGEXES)
async def test_catastrophic_regex_previews_at_once(
    client: httpx.AsyncClient, tenant: TestTenant, source: str, value: Any
) -> None:
    body = {"document": document(source), "records": [{"id": 1, "s": EVIL}]}
    started = time.monotonic()
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert time.monotonic() - started < 5.0  # a backtracking engine: minutes
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["fields"]["price"]["value"] == value


async def test_a_preview_has_a_budget_of_its_own(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    with budget_of(Budget(timeout=30.0, preview_timeout=0.3)):
        body = {"document": document(RECURSE), "records": [{"id": 1}]}
        started = time.monotonic()
        answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert time.monotonic() - started < 10.0  # the run budget (30 s) would be far beyond
    assert answer.status_code == 422, answer.text
    assert "time budget of a preview (0.3 seconds)" in answer.json()["errors"][0]["message"]


async def test_healthz_answers_while_a_preview_evaluates(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    with budget_of(Budget(timeout=2.0)):
        body = {"document": document(RECURSE), "records": [{"id": 1}]}
        preview = asyncio.create_task(client.post(f"{URL}/preview", json=body, headers=tenant.headers))
        await asyncio.sleep(0.2)  # the preview is evaluating by now
        started = time.monotonic()
        health = await client.get("/healthz")
        waited = time.monotonic() - started
        assert not preview.done()
        assert (await preview).status_code == 422
    assert health.status_code == 200
    assert waited < 1.0


async def test_graphql_preview_of_a_runaway_is_a_validation_error(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    query = """query($records: JSON!, $document: JSON) {
      previewMapping(records: $records, document: $document) {
        __typename ... on ValidationError { fieldErrors { pointer message } }
      }
    }"""
    variables = {"records": [{"id": 1}], "document": document(RECURSE)}
    answer = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=tenant.headers
    )
    result = answer.json()["data"]["previewMapping"]
    assert result["__typename"] == "ValidationError"
    assert [e["pointer"] for e in result["fieldErrors"]] == ["/document/transform/fields/price"]
