"""Webhook deliveries processed in micro-batches: one run takes what is waiting, each delivery settles
on its own records, the answer never waits on Redis, and the receiver's cache follows changes."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.runs.models import EntityError, SyncLog
from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from ezy.webhooks import pickup, receiver
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import resources as r
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain, make_instance
from tests.test_webhook_receiver import DOCUMENT, deliveries, endpoint, standard_headers

__all__ = ["drain"]


async def _post(
    client: httpx.AsyncClient, url: str, secret: str, record: Any, msg_id: str | None = None
) -> int:
    body = json.dumps(record).encode()
    return (
        await client.post(url, content=body, headers=standard_headers(secret, body, msg_id=msg_id))
    ).status_code


async def _instance_of(url: str) -> uuid.UUID:
    return (await WebhookEndpoint.get(id=url.rsplit("/", 1)[1])).instance_id


async def test_a_burst_is_processed_by_one_run_and_repeats_are_not_processed(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    sends = [(i, f"msg-{i}") for i in range(20)] + [(i, f"msg-{i}") for i in range(5)]  # 5 repeats
    answers = await asyncio.gather(
        *(_post(client, url, secret, {"id": i, "email": f"{i}@example.com"}, msg_id) for i, msg_id in sends)
    )
    assert set(answers) == {202}
    stored = await deliveries(url)
    assert sorted(d.status for d in stored) == ["accepted"] * 20 + ["duplicate"] * 5

    await drain()

    stored = await deliveries(url)
    processed = [d for d in stored if d.status == "processed"]
    assert len(processed) == 20 and {d.external_id for d in processed} == {f"msg-{i}" for i in range(20)}
    [run] = await SyncLog.filter(instance_id=await _instance_of(url))
    assert {d.sync_log_id for d in processed} == {run.id}
    assert (run.trigger, run.status, run.total, run.success, run.failed) == (
        "webhook",
        "succeeded",
        20,
        20,
        0,
    )
    assert all(d.sync_log_id is None for d in stored if d.status == "duplicate")


async def test_each_delivery_of_a_run_ends_on_its_own_records(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    assert await _post(client, url, secret, {"id": 1, "email": "a@example.com"}, "good") == 202
    assert await _post(client, url, secret, [{"id": 2}, {"email": "no id"}], "half") == 202
    assert await _post(client, url, secret, {"email": "no id either"}, "bad") == 202

    await drain()

    by_id = {d.external_id: d for d in await deliveries(url)}
    assert (by_id["good"].status, by_id["good"].error) == ("processed", None)
    assert (by_id["half"].status, by_id["half"].error) == ("processed", "1 of 2 records failed")
    assert (by_id["bad"].status, by_id["bad"].error) == ("failed", "1 of 1 records failed")
    assert by_id["good"].processed_at is not None and by_id["bad"].processed_at is None
    [run] = await SyncLog.filter(instance_id=await _instance_of(url))
    assert {d.sync_log_id for d in by_id.values()} == {run.id}
    assert (run.status, run.total, run.success, run.failed) == ("partial", 4, 2, 2)
    assert await EntityError.filter(sync_log_id=run.id).count() == 2
    assert await DeadLetter.filter(sync_log_id=run.id).count() == 2


@pytest.mark.skipif(not os.environ.get("EZY_TEST_POSTGRES_DSN"), reason="needs EZY_TEST_POSTGRES_DSN")
async def test_two_updates_of_one_entity_apply_in_the_order_received(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    import asyncpg

    dsn, table = os.environ["EZY_TEST_POSTGRES_DSN"], f"items_{uuid.uuid4().hex[:8]}"
    document = {**DOCUMENT, "load": {**DOCUMENT["load"], "resource": table, "createTable": True}}
    instance = await make_instance(
        runtime, tenant.id, document=document, target=("postgres", {"dsn": dsn}, {})
    )
    created = await r.post(
        client, tenant, "/webhook-endpoints", {"instanceId": str(instance.id), "provider": "generic"}
    )
    url, secret = created["url"], created["secret"]
    for n in range(3):  # each update of entity 1 sent after the previous one was answered
        assert (
            await _post(client, url, secret, [{"id": 1, "email": f"v{n}"}, {"id": 2 + n, "email": "x"}])
            == 202
        )

    await drain()

    assert {d.status for d in await deliveries(url)} == {"processed"}
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(f'SELECT "externalId", email FROM "{table}" ORDER BY "externalId"')
        await conn.execute(f'DROP TABLE "{table}"')
    finally:
        await conn.close()
    assert [tuple(row) for row in rows] == [("1", "v2"), ("2", "x"), ("3", "x"), ("4", "x")]


async def test_the_answer_does_not_wait_for_a_hanging_redis(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    runtime: Runtime,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def hangs(*args: object, **kwargs: object) -> bool:
        await asyncio.sleep(3)
        raise ConnectionError("redis timed out")

    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    with monkeypatch.context() as patched:
        patched.setattr("ezy.runs.service.queue.enqueue_run", hangs)
        patched.setattr(pickup, "KICK_TIMEOUT_SECONDS", 0.5)
        started = time.perf_counter()
        assert await _post(client, url, secret, {"id": 5, "email": "e@example.com"}) == 202
        assert time.perf_counter() - started < 1.0  # the old receiver waited on the enqueue (3 s)
        await pickup.idle()
    [stored] = await deliveries(url)
    assert (stored.status, stored.sync_log_id) == ("accepted", None)  # stored, no run could be queued

    await pickup.drain_waiting(older_than=timedelta(0))  # the scheduler's sweep
    await drain()

    [stored] = await deliveries(url)
    assert stored.status == "processed" and stored.sync_log_id is not None


async def test_the_receivers_cache_follows_changes_made_in_this_process(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    endpoint_id = url.rsplit("/", 1)[1]
    issued = await r.post(client, tenant, "/api-keys", {"name": "sender"})
    sender = {"Authorization": f"ApiKey {issued['key']}"}
    assert (await client.post(url, json={"id": 1}, headers=sender)).status_code == 202  # cached now

    shown = await client.get(f"{r.API}/webhook-endpoints/{endpoint_id}", headers=tenant.headers)
    patch = {
        **tenant.headers,
        "If-Match": shown.headers["etag"],
        "Content-Type": "application/merge-patch+json",
    }
    changed = await client.patch(
        f"{r.API}/webhook-endpoints/{endpoint_id}", json={"enabled": False}, headers=patch
    )
    assert changed.status_code == 200
    assert (await client.post(url, json={"id": 2}, headers=sender)).status_code == 202
    assert [d.status for d in await deliveries(url)] == ["accepted", "skipped"]

    revoked = await client.delete(f"{r.API}/api-keys/{issued['id']}", headers=tenant.headers)
    assert revoked.status_code == 204
    assert (await client.post(url, json={"id": 3}, headers=sender)).status_code == 401


async def test_a_delivery_stored_before_micro_batches_still_runs_alone(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    """An upgrade leaves `accepted` deliveries that carry the id of their own (unstarted) run."""
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    endpoint_row = await WebhookEndpoint.get(id=url.rsplit("/", 1)[1])
    legacy = await WebhookDelivery.create(
        tenant_id=tenant.id,
        endpoint_id=endpoint_row.id,
        payload={"id": 8, "email": "old@example.com"},
        status="accepted",
        sync_log_id=uuid.uuid4(),
    )
    await WebhookDelivery.filter(id=legacy.id).update(received_at=utcnow() - timedelta(minutes=5))
    assert await receiver.requeue_accepted_deliveries() == 1

    await drain()

    await legacy.refresh_from_db()
    run = await SyncLog.get(id=legacy.sync_log_id)
    assert (legacy.status, run.request, run.total) == ("processed", {"deliveryId": str(legacy.id)}, 1)
