"""The scheduler role: fires due schedules every second and requeues abandoned runs.

Any number of scheduler processes may run: claiming a schedule is a compare-and-set on the database
(see ezy/schedules/firing.py), so none fires twice.

It outlives Redis and database outages: the lost service is logged once, waited for with backoff,
and logged again when it is back; then every run still `queued` and every delivery still `accepted`
is enqueued at once (arq refuses the job ids it still holds), instead of after the usual two minutes:
work acknowledged during the outage, or lost by a Redis that restarted empty, runs without delay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from ezy.outages import OUTAGE, wait_out
from ezy.queue import describe_redis
from ezy.runs.recovery import STALE_QUEUED_AFTER, reap_abandoned, reenqueue_stale_queued
from ezy.runtime import Runtime, check_database
from ezy.schedules.firing import fire_due
from ezy.timefmt import utcnow
from ezy.webhooks.receiver import requeue_accepted_deliveries

log = logging.getLogger("ezy.scheduler")
TICK_SECONDS = 1.0
REAP_EVERY_SECONDS = 15.0


async def _recover(*, everything: bool = False) -> None:
    """Work that lost its worker or its job: abandoned runs, runs or deliveries whose job is gone.

    `everything`: after an outage (or at start), queued runs and accepted deliveries of any age.
    """
    reaped = await reap_abandoned()
    if everything:
        requeued = await reenqueue_stale_queued(utcnow() + STALE_QUEUED_AFTER)
        deliveries = await requeue_accepted_deliveries(timedelta(0))
    else:
        requeued = await reenqueue_stale_queued()
        deliveries = await requeue_accepted_deliveries()
    if reaped or requeued or deliveries:
        log.warning(
            "recovered %d abandoned run(s), %d lost job(s), %d stuck deliveries", reaped, requeued, deliveries
        )


async def _wait_for_services(runtime: Runtime, cause: BaseException | None) -> bool:
    """Returns when the database and Redis both answer (each logs only if it is down); True if
    either was down (or `cause` says so). Checked every tick: an outage shows even with nothing due."""
    assert runtime.redis_settings is not None
    from_redis = cause is not None and type(cause).__module__.startswith("redis")
    waited = await wait_out(check_database, what="the database", log=log)
    where = describe_redis(runtime.redis_settings)
    waited |= await wait_out(runtime.check_redis, what=where, log=log, cause=cause if from_redis else None)
    return waited or cause is not None


async def run_scheduler(runtime: Runtime) -> None:
    log.info("scheduler started")
    lost: BaseException | None = None
    last_reap = 0.0
    while True:
        try:
            if await _wait_for_services(runtime, lost) or last_reap == 0.0:
                last_reap = time.monotonic()
                await _recover(everything=True)
            lost = None
            fired = await fire_due()
            if fired:
                log.info("fired %d schedule(s)", fired)
            if time.monotonic() - last_reap >= REAP_EVERY_SECONDS:
                last_reap = time.monotonic()
                await _recover()
        except asyncio.CancelledError:
            raise
        except OUTAGE as exc:
            lost = exc
            continue
        except Exception:  # a bug in one tick must not end the scheduler
            log.exception("scheduler tick failed")
        await asyncio.sleep(TICK_SECONDS)
