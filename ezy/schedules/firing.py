"""Firing due schedules: safe with any number of scheduler processes, on SQLite and PostgreSQL.

Each due schedule is claimed by a compare-and-set on its `next_run_at` (only one scheduler can move
it from the due time to the next one), and the run's correlation id is derived from the schedule and
the due time, so even a claim repeated by a race cannot create a second run: the unique
correlation id refuses it. After downtime, a schedule that missed several occurrences fires once and
moves on to its next future occurrence.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

from tortoise.exceptions import IntegrityError

from ezy.instances.models import Instance, InstanceStatus
from ezy.runs.service import RunRequest, start_run
from ezy.schedules.cron import CronError, next_run
from ezy.schedules.models import Schedule
from ezy.timefmt import utcnow

log = logging.getLogger("ezy.scheduler")
BATCH = 500
CONCURRENCY = 16
MAX_BATCHES_PER_TICK = 20
NAMESPACE = uuid.UUID("5f0c6a52-7c1e-4c7e-9f0a-6d0b1a2c3e4f")


def occurrence_id(schedule_id: uuid.UUID, due: datetime) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{schedule_id}:{due.timestamp():.0f}")


async def fire_due(now: datetime | None = None) -> int:
    """Starts one run per due schedule; returns how many runs this call started."""
    now = now or utcnow()
    fired = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        due = await Schedule.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at").limit(BATCH)
        fired += await _fire_all(due, now)
        if len(due) < BATCH:
            break
    return fired


async def _fire_all(due: list[Schedule], now: datetime) -> int:
    # Concurrently, bounded: a thousand schedules due at one minute should start within that second.
    gate = asyncio.Semaphore(CONCURRENCY)

    async def fire(schedule: Schedule) -> int:
        async with gate:
            return await _fire(schedule, now)

    return sum(await asyncio.gather(*(fire(schedule) for schedule in due)))


async def _fire(schedule: Schedule, now: datetime) -> int:
    due_at = schedule.next_run_at
    assert due_at is not None
    try:
        following = next_run(schedule.cron, schedule.timezone, now)
    except CronError as exc:
        log.error("schedule %s cannot be computed (%s); disabling it", schedule.id, exc)
        await Schedule.filter(id=schedule.id).update(enabled=False, next_run_at=None)
        return 0
    claimed = await Schedule.filter(id=schedule.id, next_run_at=due_at, enabled=True).update(
        next_run_at=following, last_run_at=now
    )
    if not claimed:
        return 0  # another scheduler moved it first
    instance = await Instance.get_or_none(id=schedule.instance_id, tenant_id=schedule.tenant_id)
    if instance is None or instance.status != InstanceStatus.ACTIVE:
        return 0  # an inactive instance runs nothing; the schedule stays and fires again later
    request = RunRequest(
        "schedule",
        correlation_id=occurrence_id(schedule.id, due_at),
        details={
            "scheduleId": str(schedule.id),
            "dueAt": due_at.isoformat(),
            "overlapPolicy": str(schedule.overlap_policy),
        },
    )
    try:
        await start_run(schedule.tenant_id, instance.id, request)
    except IntegrityError:
        return 0  # this occurrence already has its run
    return 1
