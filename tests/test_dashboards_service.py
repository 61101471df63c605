"""Dashboard aggregations count exactly the tenant's runs, errors and messages, grouped in the database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ezy.context import TenantContext
from ezy.dashboards import dlq_depth, error_hotspots, run_history, run_totals, watch_run
from ezy.dlq.models import DeadLetter
from ezy.errors import NotFound, ValidationFailed
from ezy.runs.models import EntityError, SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _ctx(tenant: TestTenant) -> TenantContext:
    return TenantContext(tenant.id)


async def _run(
    tenant_id: uuid.UUID, instance_id: uuid.UUID, at: datetime, status: str, total: int = 0, failed: int = 0
) -> SyncLog:
    return await SyncLog.create(
        tenant_id=tenant_id,
        instance_id=instance_id,
        correlation_id=uuid.uuid4(),
        trigger="api",
        status=status,
        total=total,
        success=total - failed,
        failed=failed,
        created_at=at,
    )


async def _error(log: SyncLog, stage: str, code: str, at: datetime) -> EntityError:
    return await EntityError.create(
        tenant_id=log.tenant_id, sync_log=log, stage=stage, code=code, message="x", created_at=at
    )


def _rows(buckets: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (b["bucketStart"], b["instanceId"], b["status"], b["runs"], b["records"], b["failed"])
        for b in buckets
    ]


async def test_run_history_counts_runs_per_hour_instance_and_status(tenant: TestTenant) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await _run(tenant.id, a, T0 + timedelta(minutes=5), "succeeded", total=10)
    await _run(tenant.id, a, T0 + timedelta(minutes=59, seconds=59), "succeeded", total=7)
    await _run(tenant.id, a, T0 + timedelta(minutes=30), "partial", total=10, failed=3)
    await _run(tenant.id, b, T0 + timedelta(hours=1, minutes=1), "failed", total=4, failed=4)
    await _run(tenant.id, a, T0 + timedelta(hours=3), "succeeded", total=1)  # outside the range

    history = await run_history(_ctx(tenant), since=T0, until=T0 + timedelta(hours=3), bucket="hour")

    assert _rows(history) == [
        (T0, str(a), "partial", 1, 10, 3),
        (T0, str(a), "succeeded", 2, 17, 0),
        (T0 + timedelta(hours=1), str(b), "failed", 1, 4, 4),
    ]


async def test_run_history_by_day_and_for_one_instance(tenant: TestTenant) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    day = datetime(2026, 11, 1, tzinfo=UTC)
    for hours in (0, 5, 23):
        await _run(tenant.id, a, day + timedelta(hours=hours), "succeeded", total=2)
    await _run(tenant.id, a, day + timedelta(days=1, hours=1), "succeeded", total=2)
    await _run(tenant.id, b, day + timedelta(hours=1), "succeeded", total=2)

    history = await run_history(
        _ctx(tenant), since=day, until=day + timedelta(days=7), bucket="day", instance_id=str(a)
    )

    assert _rows(history) == [
        (day, str(a), "succeeded", 3, 6, 0),
        (day + timedelta(days=1), str(a), "succeeded", 1, 2, 0),
    ]


async def test_run_totals_sum_the_instances_of_each_bucket_and_status(
    tenant: TestTenant, other_tenant: TestTenant
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await _run(tenant.id, a, T0 + timedelta(minutes=5), "succeeded", total=10)
    await _run(tenant.id, b, T0 + timedelta(minutes=50), "succeeded", total=7)
    await _run(tenant.id, b, T0 + timedelta(minutes=30), "partial", total=10, failed=3)
    await _run(tenant.id, a, T0 + timedelta(hours=1, minutes=1), "succeeded", total=4)
    await _run(other_tenant.id, a, T0 + timedelta(minutes=5), "succeeded", total=99)

    totals = await run_totals(_ctx(tenant), since=T0, until=T0 + timedelta(hours=2), bucket="hour")

    assert [(t["bucketStart"], t["status"], t["runs"], t["records"], t["failed"]) for t in totals] == [
        (T0, "partial", 1, 10, 3),
        (T0, "succeeded", 2, 17, 0),
        (T0 + timedelta(hours=1), "succeeded", 1, 4, 0),
    ]
    only_b = await run_totals(
        _ctx(tenant), since=T0, until=T0 + timedelta(days=1), bucket="day", instance_id=b
    )
    assert [(t["bucketStart"], t["status"], t["runs"]) for t in only_b] == [
        (T0.replace(hour=0), "partial", 1),
        (T0.replace(hour=0), "succeeded", 1),
    ]
    with pytest.raises(ValidationFailed):
        await run_totals(_ctx(tenant), since=T0, until=T0 + timedelta(days=91))


async def test_run_history_leaves_out_other_tenants(tenant: TestTenant, other_tenant: TestTenant) -> None:
    await _run(other_tenant.id, uuid.uuid4(), T0, "succeeded", total=5)
    assert await run_history(_ctx(tenant), since=T0, until=T0 + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("kwargs", "pointer"),
    [
        pytest.param({"bucket": "week"}, "/bucket", id="unknown-bucket"),
        pytest.param({"until": T0}, "/until", id="empty-range"),
        pytest.param({"until": T0 - timedelta(hours=1)}, "/until", id="reversed-range"),
        pytest.param({"until": T0 + timedelta(days=91)}, "/since", id="hourly-over-90-days"),
        pytest.param({"until": T0 + timedelta(days=800), "bucket": "day"}, "/since", id="daily-over-2-years"),
        pytest.param({"instance_id": "nope"}, "/instanceId", id="bad-instance-id"),
    ],
)
async def test_run_history_rejects_bad_ranges(
    tenant: TestTenant, kwargs: dict[str, Any], pointer: str
) -> None:
    args: dict[str, Any] = {"since": T0, "until": T0 + timedelta(hours=1), **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        await run_history(_ctx(tenant), **args)
    assert [e.pointer for e in caught.value.errors] == [pointer]


async def test_daily_buckets_accept_a_year(tenant: TestTenant) -> None:
    assert await run_history(_ctx(tenant), since=T0, until=T0 + timedelta(days=365), bucket="day") == []


async def test_error_hotspots_rank_stage_and_code_by_count(tenant: TestTenant) -> None:
    instance = uuid.uuid4()
    log = await _run(tenant.id, instance, T0, "partial")
    other = await _run(tenant.id, uuid.uuid4(), T0, "partial")
    for minute in range(3):
        await _error(log, "validate", "schema_violation", T0 + timedelta(minutes=minute))
    await _error(log, "transform", "expression_error", T0 + timedelta(minutes=7))
    await _error(other, "transform", "expression_error", T0 + timedelta(minutes=9))
    await _error(log, "load", "rejected", T0 + timedelta(hours=5))  # outside the range

    until = T0 + timedelta(hours=1)
    spots = await error_hotspots(_ctx(tenant), since=T0, until=until)
    assert [(s["stage"], s["code"], s["count"], s["lastSeenAt"]) for s in spots] == [
        ("validate", "schema_violation", 3, T0 + timedelta(minutes=2)),
        ("transform", "expression_error", 2, T0 + timedelta(minutes=9)),
    ]
    mine = await error_hotspots(_ctx(tenant), since=T0, until=until, instance_id=instance, limit=1)
    assert [(s["stage"], s["count"]) for s in mine] == [("validate", 3)]


@pytest.mark.parametrize("limit", [0, 101])
async def test_error_hotspots_limit_is_capped(tenant: TestTenant, limit: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await error_hotspots(_ctx(tenant), since=T0, until=T0 + timedelta(hours=1), limit=limit)
    assert caught.value.errors[0].pointer == "/limit"


async def test_dlq_depth_counts_waiting_and_replaying_messages(
    tenant: TestTenant, other_tenant: TestTenant
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    statuses = {a: ["pending", "pending", "replaying", "resolved", "discarded"], b: ["pending", "resolved"]}
    for instance, batch in statuses.items():
        for status in batch:
            await _letter(tenant.id, instance, status)
    await _letter(other_tenant.id, a, "pending")

    assert await dlq_depth(_ctx(tenant)) == [
        {"instanceId": str(a), "pending": 2, "replaying": 1},
        {"instanceId": str(b), "pending": 1, "replaying": 0},
    ]


async def _letter(tenant_id: uuid.UUID, instance_id: uuid.UUID, status: str) -> None:
    await DeadLetter.create(
        tenant_id=tenant_id,
        instance_id=instance_id,
        sync_log_id=uuid.uuid4(),
        stage="validate",
        code="required_missing",
        message="x",
        payload={},
        status=status,
    )


async def test_watch_run_yields_each_change_and_ends_at_a_terminal_status(
    tenant: TestTenant, runtime: Runtime
) -> None:
    log = await _run(tenant.id, uuid.uuid4(), T0, "queued")

    async def progress() -> None:
        await asyncio.sleep(0.05)
        await SyncLog.filter(id=log.id).update(status="running", total=5)
        await asyncio.sleep(0.05)
        await SyncLog.filter(id=log.id).update(status="succeeded", total=10, success=10)

    mover = asyncio.create_task(progress())
    seen = [(s.status, s.total) async for s in watch_run(_ctx(tenant), log.correlation_id, poll_seconds=0.01)]
    await mover
    assert seen == [("queued", 0), ("running", 5), ("succeeded", 10)]


async def test_watch_run_of_another_tenant_is_not_found(tenant: TestTenant, other_tenant: TestTenant) -> None:
    log = await _run(other_tenant.id, uuid.uuid4(), T0, "queued")
    with pytest.raises(NotFound):
        async for _ in watch_run(_ctx(tenant), log.correlation_id):
            pass
