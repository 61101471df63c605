"""Run history from per-hour run counts answers exactly what a GROUP BY over every run would, for any
range and bucket, after runs change status and counts, move, or are deleted."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from ezy.context import TenantContext
from ezy.dashboards import run_history, run_totals
from ezy.runs.models import SyncLog
from tests.conftest import TestTenant

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
STATUSES = ["queued", "running", "succeeded", "partial", "failed"]


async def _fill(tenant_id: uuid.UUID, seed: int) -> list[SyncLog]:
    """200 runs of three instances over 50 hours, a few at an hour's or a day's edge."""
    rng = random.Random(seed)
    instances = [uuid.uuid4() for _ in range(3)]
    moments = [T0 + timedelta(microseconds=rng.randrange(50 * 3600 * 10**6)) for _ in range(190)]
    moments += [T0 + timedelta(hours=h) for h in (5, 24)] + [
        T0 + timedelta(hours=h, microseconds=-1) for h in (6, 24)
    ]
    moments += [T0 + timedelta(hours=30, minutes=30)] * 6
    runs = []
    for at in moments:
        total = rng.randrange(50)
        runs.append(
            SyncLog(
                tenant_id=tenant_id,
                instance_id=rng.choice(instances),
                correlation_id=uuid.uuid4(),
                trigger="api",
                status=rng.choice(STATUSES),
                total=total,
                failed=rng.randrange(total + 1),
                created_at=at,
            )
        )
    await SyncLog.bulk_create(runs, batch_size=100)
    return list(await SyncLog.filter(tenant_id=tenant_id).order_by("created_at", "id"))


def _bucket(at: datetime, bucket: str) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0, **({"hour": 0} if bucket == "day" else {}))


async def _brute(
    tenant_id: uuid.UUID, since: datetime, until: datetime, bucket: str
) -> list[tuple[Any, ...]]:
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for run in await SyncLog.filter(tenant_id=tenant_id, created_at__gte=since, created_at__lt=until):
        row = sums[(_bucket(run.created_at, bucket), str(run.instance_id), run.status)]
        row[0], row[1], row[2] = row[0] + 1, row[1] + run.total, row[2] + run.failed
    return [(*key, *values) for key, values in sorted(sums.items())]


RANGES = [
    (T0, T0 + timedelta(hours=50), "hour"),
    (T0 + timedelta(minutes=17, microseconds=3), T0 + timedelta(hours=49, minutes=1), "hour"),
    (T0 + timedelta(minutes=17), T0 + timedelta(hours=49, minutes=1), "day"),
    (T0 + timedelta(hours=6, microseconds=-1), T0 + timedelta(hours=24, microseconds=1), "day"),
    (T0 + timedelta(hours=30, minutes=1), T0 + timedelta(hours=30, minutes=59), "hour"),
    (T0 - timedelta(days=3), T0 + timedelta(days=3), "day"),
]


async def _check(tenant: TestTenant) -> None:
    ctx = TenantContext(tenant.id)
    for since, until, bucket in RANGES:
        expected = await _brute(tenant.id, since, until, bucket)
        history = await run_history(ctx, since=since, until=until, bucket=bucket)
        got = [
            (h["bucketStart"], h["instanceId"], h["status"], h["runs"], h["records"], h["failed"])
            for h in history
        ]
        assert got == expected, (since, until, bucket)
        totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        for start, _, status, *values in expected:
            totals[(start, status)] = [a + b for a, b in zip(totals[(start, status)], values, strict=True)]
        answer = await run_totals(ctx, since=since, until=until, bucket=bucket)
        assert [(t["bucketStart"], t["status"], t["runs"], t["records"], t["failed"]) for t in answer] == [
            (*key, *values) for key, values in sorted(totals.items())
        ]


async def test_run_history_equals_a_group_by_over_every_run(
    tenant: TestTenant, other_tenant: TestTenant
) -> None:
    await _fill(tenant.id, seed=1)
    await _fill(other_tenant.id, seed=2)  # the same hours, another tenant
    await _check(tenant)


async def test_run_history_follows_runs_that_change_move_and_go(tenant: TestTenant) -> None:
    runs = await _fill(tenant.id, seed=3)
    for run in runs[:40]:  # as a worker moves runs along: status, then counts
        await SyncLog.filter(id=run.id).update(status="running")
        await SyncLog.filter(id=run.id).update(status="partial", total=run.total + 5, failed=run.failed + 2)
    for run in runs[40:50]:
        await SyncLog.filter(id=run.id).update(status="queued", total=0, failed=0)
    await SyncLog.filter(id=runs[60].id).update(created_at=T0 + timedelta(hours=49, minutes=30))
    await SyncLog.filter(id__in=[r.id for r in runs[70:90]]).delete()
    await _check(tenant)
