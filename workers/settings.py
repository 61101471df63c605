"""arq worker settings, shared by `ezy worker` (its own process) and `ezy up` (in-process)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker

from ezy.queue import QUEUE_NAME, open_pool
from ezy.runtime import Runtime
from workers import jobs

log = logging.getLogger("ezy.worker")
FUNCTIONS: list[Any] = [jobs.noop, jobs.run_sync]


def build_worker(
    runtime: Runtime, pool: ArqRedis, *, burst: bool = False, handle_signals: bool = False
) -> Worker:
    return Worker(
        functions=FUNCTIONS,
        redis_pool=pool,
        queue_name=QUEUE_NAME,
        poll_delay=runtime.settings.worker_poll_delay,
        handle_signals=handle_signals,
        burst=burst,
        ctx={"runtime": runtime},
        max_jobs=10,
        # Waiting for an instance lock and transient retries are counted by the runs themselves.
        max_tries=1000,
        job_timeout=6 * 3600,  # long runs are fine: abandoned ones are found by heartbeat, not by this
        keep_result=3600,
    )


async def run_worker(runtime: Runtime) -> None:
    """The worker role inside a running loop (`ezy up`, `ezy worker`); stops when cancelled."""
    assert runtime.redis_settings is not None
    # arq's Worker.close() closes the pool it was given, so it gets its own.
    worker = build_worker(runtime, await open_pool(runtime.redis_settings))
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        log.info("worker stopping")
        raise
    finally:
        with_suppressed = worker.close()
        try:
            await asyncio.shield(with_suppressed)
        except (asyncio.CancelledError, Exception):  # closing must not mask the reason we stop
            pass
