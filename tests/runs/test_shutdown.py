"""A worker stopped gracefully hands its run back; the next worker finishes it from the checkpoint."""

from __future__ import annotations

import asyncio

from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import DOCUMENT, Drain, make_instance
from workers.settings import run_worker


async def test_stopped_worker_hands_the_run_back(tenant: TestTenant, runtime: Runtime, drain: Drain) -> None:
    document = {
        **DOCUMENT,
        "extract": {**DOCUMENT["extract"], "batchSize": 1},
        "load": {**DOCUMENT["load"], "batchSize": 1},
    }
    instance = await make_instance(runtime, tenant.id, count=600, document=document)
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    worker = asyncio.create_task(run_worker(runtime))

    for _ in range(500):
        await run.refresh_from_db()
        if run.status == "running" and run.total > 20:
            break
        await asyncio.sleep(0.01)
    assert run.status == "running"
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    await run.refresh_from_db()
    assert run.status == "queued" and "handed back" in (run.error or "")
    assert run.total < 600
    await drain()
    final = await SyncLog.get(id=run.id)
    assert final.status == "partial" and final.total == 600 and final.attempt == 2
    assert final.total == final.success + final.failed + final.skipped
