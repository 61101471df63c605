"""The scheduler role: fires due schedules every second and requeues abandoned runs.

Any number of scheduler processes may run: claiming a schedule is a compare-and-set on the database
(see ezy/schedules/firing.py), so none fires twice.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ezy.runs.recovery import reap_abandoned
from ezy.runtime import Runtime
from ezy.schedules.firing import fire_due

log = logging.getLogger("ezy.scheduler")
TICK_SECONDS = 1.0
REAP_EVERY_SECONDS = 15.0


async def run_scheduler(runtime: Runtime) -> None:
    log.info("scheduler started")
    last_reap = 0.0
    while True:
        try:
            fired = await fire_due()
            if fired:
                log.info("fired %d schedule(s)", fired)
            if time.monotonic() - last_reap >= REAP_EVERY_SECONDS:
                last_reap = time.monotonic()
                reaped = await reap_abandoned()
                if reaped:
                    log.warning("requeued %d abandoned run(s)", reaped)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not end the scheduler
            log.exception("scheduler tick failed")
        await asyncio.sleep(TICK_SECONDS)
