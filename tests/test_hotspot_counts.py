"""Error hot-spots from per-hour counts answer exactly what counting every error in the range would,
for any range (whole hours, parts of hours, under an hour) and after errors are deleted."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from ezy.context import TenantContext
from ezy.dashboards import error_hotspots
from ezy.runs.models import EntityError, SyncLog
from tests.conftest import TestTenant

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
KINDS = [("validate", "required_missing"), ("transform", "expression_error"), ("load", "http_422")]


async def _fill(tenant_id: uuid.UUID, seed: int) -> list[SyncLog]:
    """Three runs, 300 errors over ten hours, a few on an hour's first and last microsecond."""
    rng = random.Random(seed)
    logs = [
        await SyncLog.create(
            tenant_id=tenant_id,
            instance_id=uuid.uuid4(),
            correlation_id=uuid.uuid4(),
            trigger="api",
            status="partial",
        )
        for _ in range(3)
    ]
    moments = [T0 + timedelta(microseconds=rng.randrange(10 * 3600 * 10**6)) for _ in range(290)]
    moments += [T0 + timedelta(hours=h) for h in (2, 5)] + [
        T0 + timedelta(hours=h, microseconds=-1) for h in (3, 6)
    ]
    moments += [T0 + timedelta(hours=4, minutes=30)] * 6
    await EntityError.bulk_create(
        [
            EntityError(
                tenant_id=tenant_id,
                sync_log=logs[i % 3],
                stage=rng.choice(KINDS)[0] if i % 5 else "extract",
                code=KINDS[i % 3][1],
                message="x",
                created_at=at,
            )
            for i, at in enumerate(moments)
        ],
        batch_size=100,
    )
    return logs


async def _brute(
    tenant_id: uuid.UUID, since: datetime, until: datetime
) -> list[tuple[str, str, int, datetime]]:
    rows = await EntityError.filter(tenant_id=tenant_id, created_at__gte=since, created_at__lt=until).values(
        "stage", "code", "created_at"
    )
    counts = Counter((r["stage"], r["code"]) for r in rows)
    last = {}
    for r in rows:
        key = (r["stage"], r["code"])
        last[key] = max(last.get(key, r["created_at"]), r["created_at"])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(stage, code, n, last[(stage, code)]) for (stage, code), n in ranked]


RANGES = [
    (T0, T0 + timedelta(hours=10)),  # whole hours only
    (T0 + timedelta(minutes=17, microseconds=3), T0 + timedelta(hours=9, minutes=1)),  # parts at both ends
    (T0 + timedelta(hours=3), T0 + timedelta(hours=3, minutes=59)),  # under an hour
    (T0 + timedelta(hours=2, minutes=59), T0 + timedelta(hours=4, minutes=1)),  # one whole hour
    (T0 + timedelta(hours=3, microseconds=-1), T0 + timedelta(hours=5, microseconds=1)),
    (T0 - timedelta(days=3), T0 + timedelta(days=3)),
]


async def _check(tenant: TestTenant) -> None:
    for since, until in RANGES:
        spots = await error_hotspots(TenantContext(tenant.id), since=since, until=until, limit=100)
        got = [(s["stage"], s["code"], s["count"], s["lastSeenAt"]) for s in spots]
        assert got == await _brute(tenant.id, since, until), (since, until)


async def test_hotspots_equal_a_count_over_every_error(tenant: TestTenant, other_tenant: TestTenant) -> None:
    await _fill(tenant.id, seed=1)
    await _fill(other_tenant.id, seed=2)  # the same hours, another tenant
    await _check(tenant)
    spots = await error_hotspots(TenantContext(tenant.id), since=T0, until=T0 + timedelta(hours=10), limit=2)
    assert len(spots) == 2


async def test_hotspots_stay_exact_when_errors_are_deleted(tenant: TestTenant) -> None:
    logs = await _fill(tenant.id, seed=3)
    await EntityError.filter(sync_log_id=logs[0].id).delete()  # as a retried run clears its errors
    await logs[1].delete()  # its errors go with it (ON DELETE CASCADE)
    await _check(tenant)
    await EntityError.filter(tenant_id=tenant.id).delete()
    assert await error_hotspots(TenantContext(tenant.id), since=T0, until=T0 + timedelta(hours=10)) == []
