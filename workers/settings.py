"""arq worker settings, shared by `ezy worker` (its own process) and `ezy up` (in-process)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import replace
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.worker import Worker

from ezy.logs import run_context
from ezy.outages import REDIS_DOWN, is_redis_outage, wait_out
from ezy.queue import QUEUE_NAME, describe_redis, open_pool, ping
from ezy.runtime import Runtime
from workers import jobs

log = logging.getLogger("ezy.worker")
FUNCTIONS: list[Any] = [jobs.noop, jobs.run_sync]


class EzyWorker(Worker):
    """arq's Worker, noting the jobs whose start or end could not be written to Redis (an outage)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unrecorded: set[str] = set()

    async def run_job(self, job_id: str, score: int) -> None:
        correlation_id = _correlation_id(job_id)
        # A run's job: arq's own lines about it (started, ended, retried) carry its correlation id too.
        with run_context(correlation_id) if correlation_id else contextlib.nullcontext():
            try:
                await super().run_job(job_id, score)
            except Exception as exc:
                if is_redis_outage(exc):
                    self.unrecorded.add(job_id)
                raise


def _correlation_id(job_id: str) -> str | None:
    """A run's job id is its correlation id (`ezy.queue.enqueue_run`; a requeue adds `:suffix`)."""
    head = job_id.split(":", 1)[0]
    try:
        return str(uuid.UUID(head)) if len(head) == 36 else None
    except ValueError:
        return None


def build_worker(
    runtime: Runtime, pool: ArqRedis, *, burst: bool = False, handle_signals: bool = False
) -> EzyWorker:
    return EzyWorker(
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
    """The worker role inside a running loop (`ezy up`, `ezy worker`); stops when cancelled.

    Redis going away does not end it: arq's poll loop raises on a lost connection, so the worker
    waits for Redis with backoff and starts a fresh arq Worker. Jobs that were running carry on
    (their work is in the database) and are salvaged in the background (`_salvage`).
    """
    settings = runtime.redis_settings
    assert settings is not None
    salvaging: set[asyncio.Task[None]] = set()
    connected = asyncio.Event()
    lost: BaseException | None = None
    try:
        while True:
            await wait_out(lambda: ping(settings), what=describe_redis(settings), log=log, cause=lost)
            try:
                # arq's Worker.close() closes the pool it was given, so it gets its own.
                worker = build_worker(runtime, await open_pool(replace(settings, conn_retries=0)))
            except REDIS_DOWN as exc:
                lost = exc
                continue
            connected.set()
            try:
                await worker.async_run()
            except asyncio.CancelledError:
                log.info("worker stopping")
                await _close(worker)
                raise
            except Exception as exc:
                if not is_redis_outage(exc):
                    await _close(worker)
                    raise
                lost = exc
                connected.clear()
                task = asyncio.create_task(_salvage(worker, connected))
                salvaging.add(task)
                task.add_done_callback(salvaging.discard)
                continue
            await _close(worker)
            raise RuntimeError("the arq worker stopped on its own")  # only burst workers do that
    finally:
        for task in list(salvaging):
            task.cancel()
        await asyncio.gather(*salvaging, return_exceptions=True)


async def _close(worker: Worker) -> None:
    """Cancels the jobs still running (they hand their runs back) and closes the worker's pool."""
    closing = worker.close()
    try:
        await asyncio.shield(closing)
    except (asyncio.CancelledError, Exception):  # closing must not mask the reason we stop
        pass


async def _salvage(worker: EzyWorker, connected: asyncio.Event) -> None:
    """The jobs an arq Worker was running when it lost Redis: let them end, then free their ids.

    A job that could not record its end in Redis keeps arq's in-progress key (it expires only after
    the job timeout) while its id stays in the queue; deleting the key lets a worker take the job
    again, which finds its run finished (or still `queued`) in the database and acts on that.
    `connected` is set while the worker's main loop has Redis: this waits for it without logging.
    """
    try:
        running = [task for task in worker.tasks.values() if not task.done()]
        if running:
            await asyncio.wait(running)
        for task in worker.tasks.values():  # retrieved: their errors are the outage, logged once
            if not task.cancelled():
                task.exception()
        unrecorded = [in_progress_key_prefix + job_id for job_id in sorted(worker.unrecorded)]
        while unrecorded:
            await connected.wait()
            try:
                await worker.pool.delete(*unrecorded)
            except Exception as exc:
                if not is_redis_outage(exc):
                    raise
                await asyncio.sleep(0.5)  # lost again: the main loop sees it too and clears `connected`
                continue
            log.warning("released %d job(s) interrupted by the Redis outage", len(unrecorded))
            break
    except asyncio.CancelledError:
        await _close(worker)  # stopping: cancel what still runs, as a graceful stop does
        raise
    with contextlib.suppress(Exception):
        await worker.pool.close(close_connection_pool=True)
