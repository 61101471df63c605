"""Firing schedules: once per due time, whatever the number of schedulers; missed ones fire once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from ezy.schedules import firing
from ezy.schedules.models import Schedule
from ezy.timefmt import utcnow
from tests.conftest import TestTenant
from tests.runs.conftest import make_instance


async def _schedule(runtime: Runtime, tenant: TestTenant, *, late: timedelta, **kwargs: object) -> Schedule:
    instance = await make_instance(runtime, tenant.id, status=str(kwargs.pop("status", "active")))
    return await Schedule.create(
        tenant_id=tenant.id,
        instance=instance,
        cron="* * * * *",
        timezone="UTC",
        next_run_at=utcnow() - late,
        **kwargs,
    )


async def test_due_schedule_fires_once_with_two_schedulers(tenant: TestTenant, runtime: Runtime) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(seconds=5))
    await asyncio.gather(firing.fire_due(), firing.fire_due())
    runs = await SyncLog.filter(instance_id=schedule.instance_id)
    assert len(runs) == 1
    assert runs[0].trigger == "schedule" and runs[0].request["scheduleId"] == str(schedule.id)
    await schedule.refresh_from_db()
    assert schedule.next_run_at is not None and schedule.next_run_at > utcnow()


async def test_a_stale_read_cannot_fire_the_same_occurrence_again(
    tenant: TestTenant, runtime: Runtime
) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(seconds=5))
    stale_copy = await Schedule.get(id=schedule.id)
    now = utcnow()
    assert await firing._fire(schedule, now) == 1
    assert await firing._fire(stale_copy, now) == 0
    assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 1


async def test_missed_occurrences_fire_once_after_downtime(tenant: TestTenant, runtime: Runtime) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(hours=3))
    await firing.fire_due()
    await firing.fire_due()
    assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 1


async def test_disabled_schedule_does_not_fire(tenant: TestTenant, runtime: Runtime) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(seconds=5), enabled=False)
    await firing.fire_due()
    assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 0


async def test_inactive_instance_is_skipped_and_the_schedule_moves_on(
    tenant: TestTenant, runtime: Runtime
) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(seconds=5), status="inactive")
    await firing.fire_due()
    await schedule.refresh_from_db()
    assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 0
    assert schedule.next_run_at is not None and schedule.next_run_at > utcnow()
    await Instance.filter(id=schedule.instance_id).update(status="active")
    await Schedule.filter(id=schedule.id).update(next_run_at=utcnow() - timedelta(seconds=1))
    await firing.fire_due()
    assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 1


async def test_overlap_policy_travels_with_the_run(tenant: TestTenant, runtime: Runtime) -> None:
    schedule = await _schedule(runtime, tenant, late=timedelta(seconds=5), overlap_policy="queue")
    await firing.fire_due()
    run = await SyncLog.get(instance_id=schedule.instance_id)
    assert run.request["overlapPolicy"] == "queue"


async def test_more_due_schedules_than_a_batch_all_fire_in_one_tick(
    tenant: TestTenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(firing, "BATCH", 2)
    schedules = [await _schedule(runtime, tenant, late=timedelta(seconds=5)) for _ in range(5)]
    await firing.fire_due()
    for schedule in schedules:
        assert await SyncLog.filter(instance_id=schedule.instance_id).count() == 1
