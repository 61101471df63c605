"""Dashboards: run history, error hot-spots and DLQ depth, aggregated in the database; run progress.

Every aggregation is grouped in the database, in the caller's tenant (`ezy.scoping.scoped`): the
rows that come back are bounded by buckets x instances x statuses, never by the number of runs.
Run history and error hot-spots sum per-hour counts kept by triggers (`ezy.dashboards.history`,
`ezy.dashboards.hotspots`, migration 4) and read rows only for the partial hours at a range's
ends, so a month costs about what an hour does. Time buckets are cut from a run's `createdAt` (when
it was triggered), in UTC. Time ranges are half-open, `[since, until)`, and capped per bucket size.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict

from tortoise.functions import Count, Max

from ezy.context import TenantContext
from ezy.dashboards import history, hotspots
from ezy.dashboards.buckets import CountRows, aware, bucket_moment
from ezy.dlq.models import DeadLetter
from ezy.errors import invalid
from ezy.runs import service as runs
from ezy.runs.models import EntityError, SyncLog
from ezy.runs.views import sync_log_view
from ezy.scoping import parse_id, scoped
from ezy.timefmt import utcnow

Bucket = Literal["hour", "day"]
BUCKETS: tuple[Bucket, ...] = ("hour", "day")
MAX_RANGE: dict[str, timedelta] = {"hour": timedelta(days=90), "day": timedelta(days=2 * 365)}
MAX_HISTORY_ROWS = 10_000
MAX_HOTSPOTS = 100
POLL_SECONDS = 0.25


class RunTotal(TypedDict):
    bucketStart: datetime
    status: str
    runs: int
    records: int
    failed: int


class RunBucket(RunTotal):
    instanceId: str


class ErrorHotspot(TypedDict):
    stage: str
    code: str
    count: int
    lastSeenAt: datetime


class QueueDepth(TypedDict):
    instanceId: str
    pending: int
    replaying: int


def _time_range(since: datetime, until: datetime | None, longest: timedelta) -> tuple[datetime, datetime]:
    start, end = aware(since), aware(until) if until is not None else utcnow()
    if end <= start:
        raise invalid("/until", "until must be later than since")
    if end - start > longest:
        raise invalid("/since", f"the range may span at most {longest.days} days")
    return start, end


def _instance(instance_id: object | None) -> uuid.UUID | None:
    if instance_id is None:
        return None
    parsed = parse_id(instance_id)
    if parsed is None:
        raise invalid("/instanceId", "instanceId must be a UUID")
    return parsed


async def _grouped_runs(
    ctx: TenantContext,
    since: datetime,
    until: datetime | None,
    bucket: str,
    instance_id: object | None,
    keys: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Runs created in `[since, until)` grouped by time bucket and `keys`, oldest bucket first."""
    if bucket not in BUCKETS:
        raise invalid("/bucket", f"bucket must be one of {', '.join(BUCKETS)}")
    start, end = _time_range(since, until, MAX_RANGE[bucket])
    found = await history.grouped_runs(ctx, start, end, bucket, _instance(instance_id), keys)
    if len(found) > MAX_HISTORY_ROWS:
        raise invalid("/since", "too many buckets: shorten the range, use day buckets or pick an instance")
    return [
        {"bucket_start": key[0], **dict(zip(keys, key[1:], strict=True)), "runs": runs,
         "records": records, "failed_records": failed}
        for key, (runs, records, failed) in found.items()
    ]  # fmt: skip


def _total(row: dict[str, Any]) -> RunTotal:
    return RunTotal(
        bucketStart=bucket_moment(row["bucket_start"]),
        status=row["status"],
        runs=int(row["runs"]),
        records=int(row["records"] or 0),
        failed=int(row["failed_records"] or 0),
    )


async def run_history(
    ctx: TenantContext,
    *,
    since: datetime,
    until: datetime | None = None,
    bucket: str = "hour",
    instance_id: object | None = None,
) -> list[RunBucket]:
    """Runs created in `[since, until)` per time bucket, instance and status; oldest bucket first.

    Only buckets with runs are answered. `records` sums the runs' totals, `failed` their failed records.
    """
    rows = await _grouped_runs(ctx, since, until, bucket, instance_id, ("instance_id", "status"))
    return [RunBucket(**_total(row), instanceId=str(row["instance_id"])) for row in rows]


async def run_totals(
    ctx: TenantContext,
    *,
    since: datetime,
    until: datetime | None = None,
    bucket: str = "hour",
    instance_id: object | None = None,
) -> list[RunTotal]:
    """As `run_history`, per time bucket and status only (every instance's runs together, or one's):
    an overview's series, at most six rows per bucket however many instances there are."""
    rows = await _grouped_runs(ctx, since, until, bucket, instance_id, ("status",))
    return [_total(row) for row in rows]


async def error_hotspots(
    ctx: TenantContext,
    *,
    since: datetime,
    until: datetime | None = None,
    instance_id: object | None = None,
    limit: int = 20,
) -> list[ErrorHotspot]:
    """Entity errors recorded in `[since, until)` per stage and code, the most frequent first."""
    if not 1 <= limit <= MAX_HOTSPOTS:
        raise invalid("/limit", f"limit must be between 1 and {MAX_HOTSPOTS}")
    start, end = _time_range(since, until, MAX_RANGE["day"])
    instance = _instance(instance_id)
    if instance is None:
        return await _tenant_hotspots(ctx, start, end, limit)
    query = scoped(EntityError, ctx).filter(created_at__gte=start, created_at__lt=end)
    query = query.filter(sync_log__instance_id=instance)
    rows = (
        await query.annotate(n=CountRows("id"), last_seen=Max("created_at"))
        .group_by("stage", "code")
        .order_by("-n", "stage", "code")
        .limit(limit)
        .values("stage", "code", "n", "last_seen")
    )
    return [
        ErrorHotspot(stage=row["stage"], code=row["code"], count=int(row["n"]), lastSeenAt=_moment(row))
        for row in rows
    ]


async def _tenant_hotspots(
    ctx: TenantContext, start: datetime, end: datetime, limit: int
) -> list[ErrorHotspot]:
    """The same answer from the per-hour counts (`ezy.dashboards.hotspots`)."""
    found = await hotspots.counts(ctx, start, end)
    top = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:limit]
    seen = await hotspots.last_seen(ctx, [group for group, _ in top], start, end)
    return [
        ErrorHotspot(stage=stage, code=code, count=n, lastSeenAt=moment)
        for ((stage, code), n), moment in zip(top, seen, strict=True)
    ]


def _moment(row: dict[str, Any]) -> datetime:
    value = row["last_seen"]
    return aware(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


async def dlq_depth(ctx: TenantContext) -> list[QueueDepth]:
    """Messages waiting (`pending`) and in flight (`replaying`) per instance, the deepest first."""
    rows = (
        await scoped(DeadLetter, ctx)
        .filter(status__in=("pending", "replaying"))
        .annotate(n=Count("id"))
        .group_by("instance_id", "status")
        .values("instance_id", "status", "n")
    )
    depth: dict[str, QueueDepth] = {}
    for row in rows:  # at most two rows per instance
        key = str(row["instance_id"])
        entry = depth.setdefault(key, QueueDepth(instanceId=key, pending=0, replaying=0))
        entry["pending" if row["status"] == "pending" else "replaying"] += int(row["n"])
    return sorted(depth.values(), key=lambda d: (-d["pending"], -d["replaying"], d["instanceId"]))


async def watch_run(
    ctx: TenantContext, correlation_id: object, *, poll_seconds: float = POLL_SECONDS
) -> AsyncIterator[SyncLog]:
    """The run now, then again each time it changes, until it reaches a terminal status.

    Reads the row every `poll_seconds`; an id the tenant does not have raises NotFound at once.
    """
    log = await runs.get_event(ctx, correlation_id)
    seen: dict[str, Any] | None = None
    while True:
        view = sync_log_view(log)
        if view != seen:
            seen = view
            yield log
        if log.status in runs.TERMINAL:
            return
        await asyncio.sleep(poll_seconds)
        log = await runs.get_event(ctx, correlation_id)
