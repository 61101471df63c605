"""A worker SIGKILLed mid-run: another worker finishes the run from its last checkpoint.

PostgreSQL + Redis only: it needs two processes sharing the database (SQLite is one process's file
here) and a PostgreSQL target table to count what was loaded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from datetime import timedelta

import asyncpg
import pytest

from ezy.dlq.models import DeadLetter
from ezy.runs.models import SyncLog
from ezy.runs.recovery import ABANDONED_AFTER, reap_abandoned
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from tests.conftest import TEST_REDIS_URL, TestTenant, on_postgres
from tests.runs.conftest import DOCUMENT, Drain, make_instance, worker_process

PG_DSN = os.environ.get("EZY_TEST_POSTGRES_DSN", "")
pytestmark = pytest.mark.skipif(
    not (on_postgres() and TEST_REDIS_URL and PG_DSN),
    reason="needs PostgreSQL and Redis (EZY_TEST_DATABASE_URL, EZY_TEST_REDIS_URL, EZY_TEST_POSTGRES_DSN)",
)
RECORDS = 1500


async def test_killed_worker_loses_nothing_and_duplicates_nothing(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    table = f"kill_{uuid.uuid4().hex[:8]}"
    document = {
        **DOCUMENT,
        "extract": {**DOCUMENT["extract"], "batchSize": 10},
        "load": {**DOCUMENT["load"], "resource": table, "createTable": True, "batchSize": 10},
    }
    instance = await make_instance(
        runtime, tenant.id, count=RECORDS, document=document, target=("postgres", {"dsn": PG_DSN}, {})
    )
    worker = worker_process(runtime)
    try:
        run = await start_run(tenant.id, instance.id, RunRequest("api"))
        for _ in range(600):
            await run.refresh_from_db()
            if run.status == "running" and run.total >= 200:
                break
            await asyncio.sleep(0.02)
        assert run.status == "running" and run.total < RECORDS, "the run should be caught half-way"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    half = run.total
    # What the lock's expiry and the reaper's clock do on their own after ABANDONED_AFTER:
    await runtime.pool.delete(f"ezy:lock:instance:{instance.id}", f"arq:in-progress:{run.correlation_id}")
    assert await reap_abandoned(utcnow() + ABANDONED_AFTER + timedelta(seconds=1)) >= 1
    await drain()

    await run.refresh_from_db()
    assert run.status == "partial" and run.attempt == 2 and run.total == RECORDS > half
    assert run.total == run.success + run.failed + run.skipped
    letters = await DeadLetter.filter(sync_log_id=run.id).values_list("entity_key", flat=True)
    assert len(letters) == len(set(letters)) == run.failed
    conn = await asyncpg.connect(PG_DSN)
    try:
        rows = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
        distinct = await conn.fetchval(f'SELECT count(DISTINCT "externalId") FROM "{table}"')
        await conn.execute(f'DROP TABLE "{table}"')
    finally:
        await conn.close()
    assert rows == distinct == run.success
    assert await SyncLog.filter(instance_id=instance.id).count() == 1
