"""The scheduler role: fires due schedules every second and requeues abandoned runs.

Any number of scheduler processes may run: claiming a schedule is a compare-and-set on the database
(see ezy/schedules/firing.py), so none fires twice.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ezy.runs.recovery import reap_abandoned, reenqueue_stale_queued
from ezy.runtime import Runtime
from ezy.schedules.firing import fire_due
from ezy.webhooks.pickup import drain_waiting
from ezy.webhooks.receiver import requeue_accepted_deliveries
from ezy.webhooks.retention import prune_bodies

log = logging.getLogger("ezy.scheduler")
TICK_SECONDS = 1.0
REAP_EVERY_SECONDS = 15.0


async def _recover() -> None:
    """Work that lost its worker or its job: abandoned runs, runs or deliveries whose job is gone."""
    reaped = await reap_abandoned()
    requeued = await reenqueue_stale_queued()
    deliveries = await requeue_accepted_deliveries()
    await prune_bodies()  # delivery bodies past their retention
    if reaped or requeued or deliveries:
        log.warning(
            "recovered %d abandoned run(s), %d lost job(s), %d stuck deliveries", reaped, requeued, deliveries
        )


async def run_scheduler(runtime: Runtime) -> None:
    log.info("scheduler started")
    last_reap = 0.0
    while True:
        try:
            fired = await fire_due()
            if fired:
                log.info("fired %d schedule(s)", fired)
            await drain_waiting()  # deliveries whose run the receiver could not queue
            if time.monotonic() - last_reap >= REAP_EVERY_SECONDS:
                last_reap = time.monotonic()
                await _recover()
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the scheduler
            log.exception("scheduler tick failed")
        await asyncio.sleep(TICK_SECONDS)
