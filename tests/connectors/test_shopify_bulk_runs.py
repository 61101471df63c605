"""End to end: a tenant's first Shopify sync above the profile's bulkThreshold goes through a bulk
operation, later ones page by `updated_at`; a bulk operation that fails, or a malformed result, fails
the run clearly and moves no cursor, so the next run reads every record."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ezy.instances.models import Instance
from ezy.logs import request_id_var
from tests import resources as r
from tests.conftest import TestTenant
from tests.connectors.test_http_runs import run_instance
from tests.connectors.test_shopify_runs import DOCUMENT, shopify_profile
from tests.fakes.shopify import FakeStore
from tests.runs.conftest import Drain

PAGED_DOCUMENT = {**DOCUMENT, "extract": {**DOCUMENT["extract"], "batchSize": 10}}


def bulk_profile(store: FakeStore) -> dict[str, Any]:
    profile = shopify_profile(store)
    profile["config"]["bulkThreshold"] = 20  # the store has 31 products
    store.bulk_polls = 2  # one wait of the default poll interval (1 s)
    return profile


async def run_again(client: httpx.AsyncClient, tenant: TestTenant, drain: Drain, instance_id: str) -> Any:
    queued = await client.post(
        f"{r.API}/sync-events", json={"instanceId": instance_id}, headers=tenant.headers
    )
    assert queued.status_code == 202, queued.text
    await drain()
    event = (await client.get(queued.headers["location"], headers=tenant.headers)).json()
    return (await client.get(f"{r.API}/sync-logs/{event['syncLogId']}", headers=tenant.headers)).json()


class _Lines(logging.Handler):
    """The connector's log lines, with the request id (a run's correlation id) they were logged under."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), request_id_var.get(), getattr(record, "shopify", {})))


@pytest.fixture
def shopify_lines() -> Iterator[_Lines]:
    logger = logging.getLogger("ezy.connectors.shopify")
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_a_first_sync_goes_through_a_bulk_operation_and_the_next_pages_by_updated_at(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    shopify_store: FakeStore,
    drain: Drain,
    shopify_lines: _Lines,
) -> None:
    sink = {"kind": "sample", "config": {}}
    first = await run_instance(client, tenant, drain, bulk_profile(shopify_store), sink, PAGED_DOCUMENT)
    assert first["status"] == "succeeded", first["error"]
    assert first["counts"] == {"total": 31, "success": 31, "failed": 0, "skipped": 0}
    assert len(shopify_store.bulk_operations) == 1 and shopify_store.invalid == []
    instance = await Instance.get(id=first["instanceId"])
    assert (
        instance.cursor is not None
        and instance.cursor[:10] == max(p["updated_at"] for p in shopify_store.products)[:10]
    )
    # The read's figures are logged under the run's correlation id (stage stats have no room for them).
    (line,) = [(text, rid, f) for text, rid, f in shopify_lines.lines if text.startswith("read ")]
    assert line[1] == first["correlationId"] and line[2]["channel"] == "bulk" and line[2]["records"] == 31

    second = await run_again(client, tenant, drain, first["instanceId"])
    assert second["status"] == "succeeded", second["error"]
    assert len(shopify_store.bulk_operations) == 1  # incremental: no second bulk operation
    assert "updated_at:>=" in shopify_store.requests[-1]["variables"]["query"]


async def test_a_failed_bulk_operation_fails_the_run_with_its_error_code(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore, drain: Drain
) -> None:
    shopify_store.bulk_outcome = "FAILED"
    sink = {"kind": "sample", "config": {}}
    log = await run_instance(client, tenant, drain, bulk_profile(shopify_store), sink, PAGED_DOCUMENT)
    assert log["status"] == "failed" and log["counts"]["total"] == 0
    assert log["error"] == (
        "extract failed: Shopify's bulk operation gid://shopify/BulkOperation/1 reading products failed "
        "(INTERNAL_SERVER_ERROR: an error on Shopify's side; the next run tries again)"
    )
    assert (await Instance.get(id=log["instanceId"])).cursor is None


async def test_a_malformed_result_fails_the_run_and_the_next_run_reads_every_record(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore, drain: Drain
) -> None:
    def tamper(lines: list[bytes]) -> list[bytes]:
        return [*lines[:40], b'{"id": "gid://shopify/Product/1", "title": ', *lines[40:]]

    shopify_store.bulk_tamper = tamper
    sink = {"kind": "sample", "config": {}}
    failed = await run_instance(client, tenant, drain, bulk_profile(shopify_store), sink, PAGED_DOCUMENT)
    assert failed["status"] == "failed"
    assert failed["error"].startswith("extract failed: line 41 of the bulk operation's result is not JSON")
    assert failed["counts"]["total"] < 31  # what came before the bad line, and no cursor
    assert (await Instance.get(id=failed["instanceId"])).cursor is None

    shopify_store.bulk_tamper = None
    again = await run_again(client, tenant, drain, failed["instanceId"])
    assert again["status"] == "succeeded", again["error"]
    assert again["counts"] == {"total": 31, "success": 31, "failed": 0, "skipped": 0}
    assert len(shopify_store.bulk_operations) == 2


@pytest.mark.parametrize("threshold", [-1, 10_001, 2.5, "many", None])
async def test_a_bulk_threshold_outside_0_to_10000_is_422_at_the_field(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore, threshold: Any
) -> None:
    profile = shopify_profile(shopify_store)
    config = {**profile["config"], "bulkThreshold": threshold}
    body = r.profile_body(kind="shopify", config=config, secrets=profile["secrets"])
    answer = await client.post(f"{r.API}/connection-profiles", json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert "/config/bulkThreshold" in r.pointers(answer)
