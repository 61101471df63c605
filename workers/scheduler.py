"""The scheduler role: fires due schedules. Safe to run in several processes (see issue 5)."""

from __future__ import annotations

import asyncio
import logging

from ezy.runtime import Runtime

log = logging.getLogger("ezy.scheduler")
TICK_SECONDS = 1.0


async def run_scheduler(runtime: Runtime) -> None:
    """Ticks until cancelled. Firing schedules is added by the runs-in-workers issue."""
    log.info("scheduler started")
    while True:
        await asyncio.sleep(TICK_SECONDS)
