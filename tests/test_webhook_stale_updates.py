"""A Shopify delivery older (by the entity's `updated_at`) than what the target already has is skipped,
not applied: within one micro-batch and across batches, per entity of one instance."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from ezy.webhooks.models import WebhookEntityWatermark
from ezy.webhooks.watermarks import STALE
from tests import resources as r
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain, make_instance
from tests.test_webhook_receiver import SHOPIFY_SECRET, deliveries, shopify_headers

__all__ = ["drain"]
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "title": "title"}},
    "validate": {"required": ["externalId", "title"]},
    "load": {"resource": "products", "keys": ["externalId"]},
}
T1, T2, T3 = "2026-11-30T10:00:01-05:00", "2026-11-30T10:00:02-05:00", "2026-11-30T10:00:03-05:00"
T2_ELSEWHERE = "2026-11-30T16:00:02+01:00"  # T2 in another offset: the same instant


async def _endpoint(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, *, target: Any = None
) -> tuple[str, Instance]:
    extra = {"target": target} if target else {}
    instance = await make_instance(runtime, tenant.id, document=DOCUMENT, **extra)
    body = {"instanceId": str(instance.id), "provider": "shopify", "secret": SHOPIFY_SECRET}
    return (await r.post(client, tenant, "/webhook-endpoints", body))["url"], instance


async def _send(
    client: httpx.AsyncClient, url: str, record: dict[str, Any], topic: str = "products/update"
) -> None:
    body = json.dumps(record).encode()
    response = await client.post(url, content=body, headers=shopify_headers(body, topic=topic))
    assert response.status_code == 200, response.text


def _product(id_: int, title: str, updated_at: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {"id": id_, "title": title}
    if updated_at is not None:
        record["updated_at"] = updated_at
    return record


async def _statuses(url: str) -> list[tuple[str, str | None]]:
    return [(d.status, d.error) for d in await deliveries(url)]


async def test_an_older_update_in_one_batch_is_skipped_and_an_equal_one_applied(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, instance = await _endpoint(client, tenant, runtime)
    await _send(client, url, _product(1, "v2", T2))
    await _send(client, url, _product(1, "v1", T1))  # arrives late: stale
    await _send(client, url, _product(1, "v2 again", T2_ELSEWHERE))  # the same instant: applied
    await _send(client, url, _product(2, "other", T1))  # another product: its own history

    await drain()  # one micro-batch takes all four

    processed = ("processed", None)
    assert await _statuses(url) == [processed, ("skipped", STALE), processed, processed]
    [run] = await SyncLog.filter(instance_id=instance.id)
    assert (run.status, run.total, run.success, run.failed, run.skipped) == ("succeeded", 4, 3, 0, 1)
    # The deliveries log shows each delivery's run, the skipped one included.
    endpoint_id = url.rsplit("/", 1)[1]
    listed = await client.get(f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=tenant.headers)
    query = "query($id: ID!) { webhookDeliveries(endpointId: $id) { items { status syncLogId } } }"
    answer = await client.post(
        "/graphql", json={"query": query, "variables": {"id": endpoint_id}}, headers=tenant.headers
    )
    graphql = answer.json()["data"]["webhookDeliveries"]["items"]
    for items in (listed.json()["items"], graphql):
        assert sorted((d["status"], d["syncLogId"]) for d in items) == [
            *[("processed", str(run.id))] * 3,
            ("skipped", str(run.id)),
        ]
    marks = await WebhookEntityWatermark.filter(instance_id=instance.id).order_by("entity_key")
    assert [(m.entity_key, m.source_updated_at) for m in marks] == [
        ("products:1", datetime.fromisoformat(T2)),
        ("products:2", datetime.fromisoformat(T1)),
    ]
    third = (await deliveries(url))[2]
    assert marks[0].delivery_id == third.id  # the last delivery applied at that instant


async def test_across_batches_an_update_older_than_the_applied_one_is_skipped(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, instance = await _endpoint(client, tenant, runtime)
    await _send(client, url, _product(7, "v2", T2))
    await drain()
    await _send(client, url, _product(7, "v1", T1))
    await drain()
    await _send(client, url, _product(7, "v3", T3))
    await drain()

    assert await _statuses(url) == [("processed", None), ("skipped", STALE), ("processed", None)]
    runs = await SyncLog.filter(instance_id=instance.id).order_by("created_at")
    assert [(run.total, run.success, run.skipped) for run in runs] == [(1, 1, 0), (1, 0, 1), (1, 1, 0)]
    assert [run.status for run in runs] == ["succeeded"] * 3
    [mark] = await WebhookEntityWatermark.filter(instance_id=instance.id)
    assert mark.source_updated_at == datetime.fromisoformat(T3)


async def test_a_newer_update_that_failed_does_not_make_an_older_one_stale(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, instance = await _endpoint(client, tenant, runtime)
    await _send(client, url, {"id": 3, "updated_at": T2})  # no title: fails validation, not applied
    await drain()
    await _send(client, url, _product(3, "v1", T1))
    await drain()

    assert await _statuses(url) == [("failed", "1 of 1 records failed"), ("processed", None)]
    [mark] = await WebhookEntityWatermark.filter(instance_id=instance.id)
    assert mark.source_updated_at == datetime.fromisoformat(T1)


async def test_other_resources_instances_and_bodies_without_a_usable_updated_at_are_applied(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, instance = await _endpoint(client, tenant, runtime)
    other_url, _ = await _endpoint(client, tenant, runtime)
    await _send(client, url, _product(5, "v2", T2))
    await drain()
    await _send(client, url, _product(5, "order", T1), topic="orders/updated")  # order 5, not product 5
    await _send(client, url, _product(5, "gone", None), topic="products/delete")  # no updated_at
    await _send(client, url, _product(5, "odd", "yesterday"))  # not a timestamp
    await _send(client, url, {"id": True, "title": "odd id", "updated_at": T1})
    await _send(client, other_url, _product(5, "v1", T1))  # another instance: its own history
    await drain()

    assert {s for s in await _statuses(url)} == {("processed", None)}
    assert await _statuses(other_url) == [("processed", None)]
    keys = await WebhookEntityWatermark.filter(instance_id=instance.id).values_list("entity_key", flat=True)
    assert sorted(keys) == ["orders:5", "products:5"]


@pytest.mark.skipif(not os.environ.get("EZY_TEST_POSTGRES_DSN"), reason="needs EZY_TEST_POSTGRES_DSN")
async def test_the_target_keeps_the_newest_version_whatever_the_arrival_order(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    import asyncpg

    dsn, table = os.environ["EZY_TEST_POSTGRES_DSN"], f"products_{uuid.uuid4().hex[:8]}"
    document = {**DOCUMENT, "load": {**DOCUMENT["load"], "resource": table, "createTable": True}}
    instance = await make_instance(
        runtime, tenant.id, document=document, target=("postgres", {"dsn": dsn}, {})
    )
    body = {"instanceId": str(instance.id), "provider": "shopify", "secret": SHOPIFY_SECRET}
    url = (await r.post(client, tenant, "/webhook-endpoints", body))["url"]
    await _send(client, url, _product(1, "v3", T3))
    await _send(client, url, _product(1, "v1", T1))  # same batch, stale
    await drain()
    await _send(client, url, _product(1, "v2", T2))  # next batch, stale
    await drain()

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(f'SELECT "externalId", title FROM "{table}"')
        await conn.execute(f'DROP TABLE "{table}"')
    finally:
        await conn.close()
    assert [tuple(row) for row in rows] == [("1", "v3")]
    assert [s for s, _ in await _statuses(url)] == ["processed", "skipped", "skipped"]


async def test_an_instance_deleted_takes_its_watermarks_with_it(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, instance = await _endpoint(client, tenant, runtime)
    await _send(client, url, _product(9, "v1", T1))
    await drain()
    assert await WebhookEntityWatermark.filter(instance_id=instance.id).count() == 1
    endpoint_id = url.rsplit("/", 1)[1]
    for path in (f"/webhook-endpoints/{endpoint_id}", f"/instances/{instance.id}"):
        version = (await client.get(f"/api/v1{path}", headers=tenant.headers)).headers["etag"]
        deleted = await client.delete(f"/api/v1{path}", headers={**tenant.headers, "If-Match": version})
        assert deleted.status_code == 204, deleted.text
    assert await WebhookEntityWatermark.filter(instance_id=instance.id).count() == 0
