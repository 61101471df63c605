"""Run history over any range from per-hour run counts instead of every run in it.

`run_hours` (migration 4, kept by triggers in the writing transaction) holds, per tenant, hour,
instance and status, how many runs there are and their records and failed records. The hours that
lie wholly inside `[start, end)` are summed from it, grouped into hour or day buckets in SQL; the
parts of an hour at either end are read from `sync_logs` itself. The sums are those a GROUP BY over
the runs would make.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from ezy.context import TenantContext
from ezy.dashboards.buckets import (
    EPOCH,
    HOUR,
    HOURS_PER_BUCKET,
    BucketStart,
    HoursBucket,
    bucket_moment,
    whole_hours,
)
from ezy.runs.models import RunHour, SyncLog
from ezy.scoping import scoped

Group = tuple[Any, ...]  # (bucket start, then the values of the grouping keys)


def _add(found: dict[Group, list[int]], key: Group, row: dict[str, Any]) -> None:
    sums = found.setdefault(key, [0, 0, 0])
    for i, name in enumerate(("runs", "records", "failed_records")):
        sums[i] += int(row[name] or 0)


async def grouped_runs(
    ctx: TenantContext,
    start: datetime,
    end: datetime,
    bucket: str,
    instance: uuid.UUID | None,
    keys: tuple[str, ...],
) -> dict[Group, list[int]]:
    """[runs, records, failed records] per (bucket start, *keys) of runs created in `[start, end)`."""
    first, last = whole_hours(start, end)
    found: dict[Group, list[int]] = {}
    edges = Q(created_at__gte=start, created_at__lt=end)
    if first < last:
        hours = scoped(RunHour, ctx).filter(hour__gte=first, hour__lt=last)
        if instance is not None:
            hours = hours.filter(instance_id=instance)
        size = HOURS_PER_BUCKET[bucket]
        for row in (
            await hours.annotate(
                bucket=HoursBucket("hour", size),
                runs=Sum("n"),
                records=Sum("records"),
                failed_records=Sum("failed"),
            )
            .group_by("bucket", *keys)
            .values("bucket", *keys, "runs", "records", "failed_records")
        ):
            _add(found, (EPOCH + int(row["bucket"]) * size * HOUR, *(str(row[k]) for k in keys)), row)
        edges = Q(created_at__gte=start, created_at__lt=EPOCH + first * HOUR) | Q(
            created_at__gte=EPOCH + last * HOUR, created_at__lt=end
        )
    runs = scoped(SyncLog, ctx).filter(edges)
    if instance is not None:
        runs = runs.filter(instance_id=instance)
    for row in (
        await runs.annotate(
            bucket_start=BucketStart("created_at", bucket),
            runs=Count("id"),
            records=Sum("total"),
            failed_records=Sum("failed"),
        )
        .group_by("bucket_start", *keys)
        .values("bucket_start", *keys, "runs", "records", "failed_records")
    ):
        _add(found, (bucket_moment(row["bucket_start"]), *(str(row[k]) for k in keys)), row)
    return {key: sums for key, sums in sorted(found.items()) if sums[0] > 0}  # a group may have emptied
