"""Dashboards: run history per time bucket, error hot-spots, DLQ depth, and live run progress."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from ezy import dashboards
from schema.context import Info
from schema.instances import Instance
from schema.loaders import Loaders
from schema.runs import PipelineStage, SyncLog, SyncStatus

SinceArg = Annotated[datetime, strawberry.argument(description="From this moment (inclusive).")]
UntilArg = Annotated[
    datetime | None, strawberry.argument(description="Up to this moment (exclusive); now when omitted.")
]
InstanceArg = Annotated[strawberry.ID | None, strawberry.argument(description="Only this instance's.")]


@strawberry.enum(
    description="Bucket size: `HOUR` for ranges up to 90 days, `DAY` up to two years (UTC boundaries)."
)
class HistoryBucket(enum.Enum):
    HOUR = "hour"
    DAY = "day"


async def _instance(info: Info, instance_id: str) -> Instance | None:
    row = await info.context.loaders.instance.load(uuid.UUID(instance_id))
    return Instance.from_row(row) if row else None


@strawberry.type(description="Runs of one instance that ended in one status, created within one bucket.")
class RunHistoryBucket:
    bucket_start: datetime
    instance_id: strawberry.ID
    status: SyncStatus
    runs: int
    records: int = strawberry.field(description="The runs' records (`counts.total`), summed.")
    failed: int = strawberry.field(description="The runs' failed records, summed.")

    @strawberry.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        return await _instance(info, self.instance_id)


@strawberry.type(
    description="Runs (of every instance, or the one asked for) that ended in one status, created "
    "within one bucket."
)
class RunTotalsBucket:
    bucket_start: datetime
    status: SyncStatus
    runs: int
    records: int = strawberry.field(description="The runs' records (`counts.total`), summed.")
    failed: int = strawberry.field(description="The runs' failed records, summed.")


@strawberry.type(description="Entity errors of one stage and code.")
class ErrorHotspot:
    stage: PipelineStage
    code: str
    count: int
    last_seen_at: datetime


@strawberry.type(description="Messages of one instance waiting in the DLQ and being replayed.")
class DeadLetterDepth:
    instance_id: strawberry.ID
    pending: int
    replaying: int

    @strawberry.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        return await _instance(info, self.instance_id)


@strawberry.type
class DashboardQueries:
    @strawberry.field(
        description="Runs created in [since, until) per bucket, instance and status, oldest first; "
        "buckets without runs are left out."
    )
    async def run_history(
        self,
        info: Info,
        since: SinceArg,
        until: UntilArg = None,
        bucket: HistoryBucket = HistoryBucket.HOUR,
        instance_id: InstanceArg = None,
    ) -> list[RunHistoryBucket]:
        rows = await dashboards.run_history(
            info.context.ctx, since=since, until=until, bucket=bucket.value, instance_id=instance_id
        )
        return [
            RunHistoryBucket(
                bucket_start=r["bucketStart"],
                instance_id=strawberry.ID(r["instanceId"]),
                status=SyncStatus(r["status"]),
                runs=r["runs"],
                records=r["records"],
                failed=r["failed"],
            )
            for r in rows
        ]

    @strawberry.field(
        description="Runs created in [since, until) per bucket and status, oldest first: `runHistory` "
        "without the split by instance, so a few rows per bucket however many instances there are."
    )
    async def run_totals(
        self,
        info: Info,
        since: SinceArg,
        until: UntilArg = None,
        bucket: HistoryBucket = HistoryBucket.HOUR,
        instance_id: InstanceArg = None,
    ) -> list[RunTotalsBucket]:
        rows = await dashboards.run_totals(
            info.context.ctx, since=since, until=until, bucket=bucket.value, instance_id=instance_id
        )
        return [
            RunTotalsBucket(
                bucket_start=r["bucketStart"],
                status=SyncStatus(r["status"]),
                runs=r["runs"],
                records=r["records"],
                failed=r["failed"],
            )
            for r in rows
        ]

    @strawberry.field(description="Entity errors in [since, until) per stage and code, most frequent first.")
    async def error_hotspots(
        self,
        info: Info,
        since: SinceArg,
        until: UntilArg = None,
        instance_id: InstanceArg = None,
        limit: Annotated[int, strawberry.argument(description="1 to 100.")] = 20,
    ) -> list[ErrorHotspot]:
        rows = await dashboards.error_hotspots(
            info.context.ctx, since=since, until=until, instance_id=instance_id, limit=limit
        )
        return [
            ErrorHotspot(
                stage=PipelineStage(r["stage"]),
                code=r["code"],
                count=r["count"],
                last_seen_at=r["lastSeenAt"],
            )
            for r in rows
        ]

    @strawberry.field(description="Pending and replaying DLQ messages per instance, the deepest first.")
    async def dlq_depth(self, info: Info) -> list[DeadLetterDepth]:
        rows = await dashboards.dlq_depth(info.context.ctx)
        return [
            DeadLetterDepth(
                instance_id=strawberry.ID(r["instanceId"]), pending=r["pending"], replaying=r["replaying"]
            )
            for r in rows
        ]


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="The run now and each time it changes (checked every 0.25 s), ending after a terminal "
        "status; an id your tenant does not have is an error."
    )
    async def run_progress(self, info: Info, correlation_id: strawberry.ID) -> AsyncGenerator[SyncLog, None]:
        ctx = info.context.ctx
        loaders = Loaders(ctx)  # this operation's: the connection's context outlives it
        async for row in dashboards.watch_run(ctx, correlation_id):
            yield SyncLog.from_row(row, loaders)
