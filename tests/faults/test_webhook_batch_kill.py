"""A worker SIGKILLed in the middle of a webhook micro-batch: another worker finishes the run, and
every acknowledged delivery ends processed or failed once, with exact counts.

PostgreSQL + Redis only: the killed `ezy worker` and this test share the database, and a PostgreSQL
target table shows how far the batch got when the worker died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from ezy.dlq.models import DeadLetter
from ezy.runs.models import EntityError, SyncLog
from ezy.runs.recovery import ABANDONED_AFTER, reap_abandoned
from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from ezy.webhooks import pickup
from ezy.webhooks.batches import BATCH_DELIVERIES
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import TEST_REDIS_URL, TestTenant, on_postgres
from tests.runs.conftest import DOCUMENT, Drain, drain, make_instance, worker_process

__all__ = ["drain"]  # the fixture
PG_DSN = os.environ.get("EZY_TEST_POSTGRES_DSN", "")
pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not (on_postgres() and TEST_REDIS_URL and PG_DSN),
        reason="needs PostgreSQL and Redis (EZY_TEST_DATABASE_URL, EZY_TEST_REDIS_URL, "
        "EZY_TEST_POSTGRES_DSN)",
    ),
]
DELIVERIES = 1500  # two micro-batches: 1000, then 500
FAILING = DELIVERIES // 10  # every tenth record costs too much: fails validation, its delivery fails


def _record(i: int) -> dict[str, Any]:
    return {"id": i, "title": f"item {i}", "variants": [{"price": 150 if i % 10 == 0 else 10}]}


async def test_a_worker_killed_mid_batch_leaves_every_delivery_settled_once_with_exact_counts(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    table = f"wbkill_{uuid.uuid4().hex[:8]}"
    # Small load batches: many flushes inside one micro-batch, so the kill lands between two of them.
    document = {
        **DOCUMENT,
        "load": {**DOCUMENT["load"], "resource": table, "createTable": True, "batchSize": 2},
    }
    instance = await make_instance(
        runtime, tenant.id, document=document, target=("postgres", {"dsn": PG_DSN}, {})
    )
    endpoint = await WebhookEndpoint.create(
        tenant_id=tenant.id, instance_id=instance.id, provider="generic", secret_encrypted="unused"
    )
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                tenant_id=tenant.id, endpoint_id=endpoint.id, external_id=f"m{i}", payload=_record(i)
            )
            for i in range(DELIVERIES)
        ],
        batch_size=500,
    )
    first_batch_loaded = BATCH_DELIVERIES - BATCH_DELIVERIES // 10
    conn = await asyncpg.connect(PG_DSN)
    worker = worker_process(runtime)
    try:
        assert await pickup.ensure_drain(tenant.id, instance.id)
        [run] = await SyncLog.filter(instance_id=instance.id)
        loaded = 0
        for _ in range(3000):  # the second micro-batch part-way through its load
            if await conn.fetchval("SELECT to_regclass($1)", table) is not None:
                loaded = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
                if loaded >= first_batch_loaded + 50:
                    break
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        await run.refresh_from_db()
        unsettled = await WebhookDelivery.filter(sync_log_id=run.id, status="accepted").count()
        assert run.status == "running" and unsettled > 0, "the worker should be killed mid-batch"
        assert first_batch_loaded < loaded < DELIVERIES - FAILING

        # What the lock's expiry and the reaper's clock do on their own after ABANDONED_AFTER:
        await runtime.pool.delete(f"ezy:lock:instance:{instance.id}", f"arq:in-progress:{run.correlation_id}")
        assert await reap_abandoned(utcnow() + ABANDONED_AFTER + timedelta(seconds=1)) == 1
        await drain()  # another worker

        rows = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
        distinct = await conn.fetchval(f'SELECT count(DISTINCT "externalId") FROM "{table}"')
    finally:
        if worker.poll() is None:
            worker.kill()
        await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        await conn.close()

    await run.refresh_from_db()
    assert (run.status, run.attempt) == ("partial", 2)
    assert (run.total, run.success, run.failed, run.skipped) == (DELIVERIES, DELIVERIES - FAILING, FAILING, 0)
    statuses = await WebhookDelivery.filter(endpoint_id=endpoint.id).values_list("status", "sync_log_id")
    assert sorted(s for s, _ in statuses) == ["failed"] * FAILING + ["processed"] * (DELIVERIES - FAILING)
    assert {log for _, log in statuses} == {run.id}
    assert rows == distinct == run.success
    letters = await DeadLetter.filter(sync_log_id=run.id).values_list("entity_key", flat=True)
    assert len(letters) == len(set(letters)) == FAILING
    assert await EntityError.filter(sync_log_id=run.id).count() == FAILING
    assert await SyncLog.filter(instance_id=instance.id).count() == 1
