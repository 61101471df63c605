"""How a run behaves in a worker: overlap, transient failures and retries, abandoned runs."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from ezy.instances.models import Instance
from ezy.locks import InstanceLock
from ezy.runs.executor import execute
from ezy.runs.models import SyncLog
from ezy.runs.recovery import reap_abandoned
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance

FAST_RETRIES = {
    "maxRetries": 1,
    "retryBackoffSeconds": 0.01,
    "batchRetries": 2,
    "batchRetryDelaySeconds": 0.01,
}


async def test_scheduled_run_is_skipped_while_another_holds_the_instance(
    tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id)
    lock = InstanceLock(runtime.pool, str(instance.id))
    assert await lock.acquire()
    try:
        run = await start_run(
            tenant.id, instance.id, RunRequest("schedule", details={"overlapPolicy": "skip"})
        )
        outcome = await execute(str(run.id))
    finally:
        await lock.release()
    await run.refresh_from_db()
    assert outcome.kind == "done"
    assert (run.status, run.overlap) == ("cancelled", "skipped")
    assert "another run" in (run.error or "")


async def test_api_run_waits_for_the_instance_then_runs(tenant: TestTenant, runtime: Runtime) -> None:
    instance = await make_instance(runtime, tenant.id, count=5)
    lock = InstanceLock(runtime.pool, str(instance.id))
    assert await lock.acquire()
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    try:
        waiting = await execute(str(run.id))
    finally:
        await lock.release()
    assert waiting.kind == "wait"
    await run.refresh_from_db()
    assert (run.status, run.overlap) == ("queued", "waited")
    assert (await execute(str(run.id))).kind == "done"
    await run.refresh_from_db()
    assert run.status in ("succeeded", "partial") and run.total == 5


async def test_target_down_retries_then_fails_without_moving_the_cursor(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    down = ("postgres", {"dsn": "postgresql://nobody@127.0.0.1:9/none"}, {"password": "s3cret-pw"})
    instance = await make_instance(runtime, tenant.id, target=down, options=FAST_RETRIES)
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    await run.refresh_from_db()
    assert run.status == "failed"
    assert run.attempt == 2  # the first try and one retry
    assert run.error and "s3cret-pw" not in run.error
    assert (await Instance.get(id=instance.id)).cursor is None


async def test_run_of_a_deactivated_instance_is_cancelled(tenant: TestTenant, runtime: Runtime) -> None:
    instance = await make_instance(runtime, tenant.id)
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    await Instance.filter(id=instance.id).update(status="inactive")
    await execute(str(run.id))
    await run.refresh_from_db()
    assert run.status == "cancelled" and "inactive" in (run.error or "")


async def test_abandoned_run_is_requeued_and_finished_from_its_checkpoint(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=10)
    run = await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="api",
        status="running",
        attempt=1,
        started_at=utcnow(),
        heartbeat_at=utcnow() - timedelta(minutes=5),
    )
    assert await reap_abandoned() >= 1
    await run.refresh_from_db()
    assert run.status == "queued"
    await drain()
    await run.refresh_from_db()
    assert run.status == "partial" and run.total == 10 and run.attempt == 2


async def test_live_runs_are_not_reaped(tenant: TestTenant, runtime: Runtime) -> None:
    instance = await make_instance(runtime, tenant.id)
    run = await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="api",
        status="running",
        attempt=1,
        heartbeat_at=utcnow(),
    )
    await reap_abandoned()
    await run.refresh_from_db()
    assert run.status == "running"


@pytest.mark.skipif(not os.environ.get("EZY_TEST_POSTGRES_DSN"), reason="needs EZY_TEST_POSTGRES_DSN")
async def test_incremental_cursor_moves_with_the_loaded_data(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    import asyncpg

    dsn = os.environ["EZY_TEST_POSTGRES_DSN"]
    table = f"items_{uuid.uuid4().hex[:8]}"
    from tests.runs.conftest import DOCUMENT

    document = {**DOCUMENT, "load": {**DOCUMENT["load"], "resource": table, "createTable": True}}
    instance = await make_instance(
        runtime, tenant.id, count=12, document=document, target=("postgres", {"dsn": dsn}, {})
    )
    first = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    await first.refresh_from_db()
    cursor = (await Instance.get(id=instance.id)).cursor
    assert cursor is not None and first.total == 12
    second = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    await second.refresh_from_db()
    assert second.total == 0 and second.status == "succeeded"  # nothing new after the cursor
    conn = await asyncpg.connect(dsn)
    try:
        loaded = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
        await conn.execute(f'DROP TABLE "{table}"')
    finally:
        await conn.close()
    assert loaded == first.success


async def test_a_queued_run_whose_job_was_lost_is_enqueued_again(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    from ezy.runs.recovery import reenqueue_stale_queued

    instance, other = [await make_instance(runtime, tenant.id, count=4) for _ in range(2)]
    lost = await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="api",
        status="queued",
    )
    await SyncLog.filter(id=lost.id).update(created_at=utcnow() - timedelta(minutes=5))
    kept = await start_run(tenant.id, other.id, RunRequest("api"))
    await SyncLog.filter(id=kept.id).update(created_at=utcnow() - timedelta(minutes=5))
    assert await reenqueue_stale_queued() >= 1  # the lost one; the kept one's job is still queued
    assert await reenqueue_stale_queued() == 0
    await drain()
    for run in (lost, kept):
        await run.refresh_from_db()
        assert run.status == "partial" and run.total == 4


async def test_a_run_that_keeps_losing_its_worker_is_failed_not_requeued(
    tenant: TestTenant, runtime: Runtime
) -> None:
    from ezy.runs.recovery import MAX_ABANDONED_ATTEMPTS

    instance = await make_instance(runtime, tenant.id)
    run = await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="api",
        status="running",
        attempt=MAX_ABANDONED_ATTEMPTS,
        heartbeat_at=utcnow() - timedelta(minutes=5),
    )
    await reap_abandoned()
    await run.refresh_from_db()
    assert run.status == "failed" and "stopped responding" in (run.error or "")
    assert run.finished_at is not None


async def test_run_options_stored_before_they_were_checked_read_as_defaults(
    tenant: TestTenant, runtime: Runtime
) -> None:
    # Rows written before options were validated may hold anything; a run must still complete.
    bad = {"maxRetries": "x", "batchRetries": 10**12, "batchRetryDelaySeconds": None}
    finished = []
    for options in (bad, {}):
        instance = await make_instance(runtime, tenant.id, count=5, options=options)
        run = await start_run(tenant.id, instance.id, RunRequest("api"))
        assert (await execute(str(run.id))).kind == "done"
        await run.refresh_from_db()
        finished.append((run.status, run.total, run.success, run.failed, run.error))
    assert finished[0] == finished[1] and finished[0][1] == 5
