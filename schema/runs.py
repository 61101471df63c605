"""Runs: trigger one (a sync event), follow it, read sync logs and their entity errors."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from ezy.context import TenantContext
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.pipeline.records import Stage
from ezy.runs import service
from ezy.runs.models import EntityError as EntityErrorRow
from ezy.runs.models import SyncLog as SyncLogRow
from ezy.runs.views import sync_log_view
from ezy.timefmt import rfc3339
from schema.common import Page, PageArg, PageSizeArg, filters, or_none, page_request
from schema.context import Info
from schema.errors import ConflictError, ValidationError
from schema.instances import Instance
from schema.loaders import Loaders

IdempotencyKeyArg = Annotated[
    str | None,
    strawberry.argument(
        description="REST's Idempotency-Key, shared with it: a repeat within 24 h starts nothing new "
        "and answers the first run."
    ),
]
FromArg = Annotated[datetime | None, strawberry.argument(name="from", description="Created at or after.")]
ToArg = Annotated[datetime | None, strawberry.argument(description="Created before.")]


@strawberry.enum(
    description="`succeeded`: nothing failed; `partial`: some records failed; `failed`: the run "
    "could not complete or every record failed."
)
class SyncStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.enum(description="What started a run.")
class SyncTrigger(enum.Enum):
    SCHEDULE = "schedule"
    API = "api"
    WEBHOOK = "webhook"
    REPLAY = "replay"


# The contracts' `Stage` (DLQ, entity errors) is GraphQL's PipelineStage.
PipelineStage = Stage
strawberry.enum(Stage, name="PipelineStage", description="The pipeline's stages, in order.")


@strawberry.type(description="Records of a run: `total = success + failed + skipped`.")
class RunCounts:
    total: int
    success: int
    failed: int
    skipped: int


@strawberry.type(description="What one stage took in, passed on and failed, and how long it took.")
class StageCounts:
    in_: int = strawberry.field(name="in")
    out: int
    failed: int
    ms: float


@strawberry.type(description="Per-stage counts of a run (zeros for a stage not reached).")
class RunStages:
    extract: StageCounts
    normalize: StageCounts
    transform: StageCounts
    validate: StageCounts
    load: StageCounts


def _stages(view: dict[str, Any]) -> RunStages:
    def stage(name: str) -> StageCounts:
        s = view[name]
        return StageCounts(in_=s["in"], out=s["out"], failed=s["failed"], ms=float(s["ms"]))

    return RunStages(**{name: stage(name) for name in view})


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(description="One run of an instance; its history outlives the instance.")
class SyncLog:
    row: strawberry.Private[SyncLogRow]
    # Set by a subscription: DataLoaders of that operation, not of the (long-lived) WebSocket connection.
    loaders: strawberry.Private[Loaders | None]
    id: strawberry.ID
    instance_id: strawberry.ID
    correlation_id: strawberry.ID
    trigger: SyncTrigger
    status: SyncStatus
    counts: RunCounts
    stages: RunStages
    attempt: int
    overlap: str | None = strawberry.field(description="`waited` or `skipped` when it met another run.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @classmethod
    def from_row(cls, row: SyncLogRow, loaders: Loaders | None = None) -> SyncLog:
        view = sync_log_view(row)
        return cls(
            row=row,
            loaders=loaders,
            id=_id(row.id),
            instance_id=_id(row.instance_id),
            correlation_id=_id(row.correlation_id),
            trigger=SyncTrigger(row.trigger),
            status=SyncStatus(row.status),
            counts=RunCounts(**view["counts"]),
            stages=_stages(view["stages"]),
            attempt=row.attempt,
            overlap=row.overlap,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            error=row.error,
        )

    @strawberry.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        row = await (self.loaders or info.context.loaders).instance.load(self.row.instance_id)
        return Instance.from_row(row) if row else None


@strawberry.type(description="A run as its trigger sees it, by correlation id (REST's sync event).")
class SyncEvent:
    correlation_id: strawberry.ID
    instance_id: strawberry.ID
    status: SyncStatus
    counts: RunCounts
    sync_log_id: strawberry.ID
    started_at: datetime | None
    finished_at: datetime | None
    sync_log: SyncLog

    @classmethod
    def from_row(cls, row: SyncLogRow) -> SyncEvent:
        log = SyncLog.from_row(row)
        return cls(
            correlation_id=log.correlation_id,
            instance_id=log.instance_id,
            status=log.status,
            counts=log.counts,
            sync_log_id=log.id,
            started_at=log.started_at,
            finished_at=log.finished_at,
            sync_log=log,
        )


@strawberry.type(description="A record that failed a stage; `deadLetterId` is its message in the DLQ.")
class EntityError:
    id: strawberry.ID
    entity_key: str | None
    stage: PipelineStage
    code: str
    message: str
    details: JSON
    dead_letter_id: strawberry.ID | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: EntityErrorRow) -> EntityError:
        return cls(
            id=_id(row.id),
            entity_key=row.entity_key,
            stage=PipelineStage(row.stage),
            code=row.code,
            message=row.message,
            details=JSON(row.details),
            dead_letter_id=_id(row.dead_letter_id) if row.dead_letter_id else None,
            created_at=row.created_at,
        )


@strawberry.type(
    description="A run was queued: follow it with `syncEvent` or the `runProgress` subscription."
)
class SyncStartedPayload:
    correlation_id: strawberry.ID
    sync_log: SyncLog


TriggerResult = Annotated[
    SyncStartedPayload | ValidationError | ConflictError, strawberry.union("TriggerSyncResult")
]


def time_filters(from_: datetime | None, to: datetime | None) -> dict[str, str]:
    """`from`/`to` as REST's query parameters."""
    return {name: str(rfc3339(value)) for name, value in (("from", from_), ("to", to)) if value is not None}


async def start_once(
    ctx: TenantContext, scope: str, key: str | None, body: Any, start: Callable[[], Awaitable[SyncLogRow]]
) -> SyncStartedPayload:
    """Starts a run through the same idempotency record as REST (keys are shared)."""
    _, log = await service.start_once(ctx, scope, key, body, start)
    return SyncStartedPayload(correlation_id=_id(log.correlation_id), sync_log=SyncLog.from_row(log))


@strawberry.type
class RunQueries:
    @strawberry.field(description="A run by the correlation id its trigger answered; null if not yours.")
    async def sync_event(self, info: Info, correlation_id: strawberry.ID) -> SyncEvent | None:
        row = await or_none(service.get_event(info.context.ctx, correlation_id))
        return SyncEvent.from_row(row) if row else None

    @strawberry.field(description="Your runs, newest first; every argument after `pageSize` filters.")
    async def sync_logs(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        instance_id: strawberry.ID | None = None,
        status: SyncStatus | None = None,
        trigger: SyncTrigger | None = None,
        from_: FromArg = None,
        to: ToArg = None,
    ) -> Page[SyncLog]:
        where = {
            **filters(instance_id=instance_id, status=status, trigger=trigger),
            **time_filters(from_, to),
        }
        rows = await service.list_logs(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, SyncLog.from_row)

    @strawberry.field(description="One run; null when your tenant has none with this id.")
    async def sync_log(self, info: Info, id: strawberry.ID) -> SyncLog | None:
        row = await or_none(service.get_log(info.context.ctx, id))
        return SyncLog.from_row(row) if row else None

    @strawberry.field(description="A run's entity errors, oldest first; null for a run you do not have.")
    async def sync_log_errors(
        self,
        info: Info,
        sync_log_id: strawberry.ID,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
    ) -> Page[EntityError] | None:
        request = page_request(page, page_size)
        rows = await or_none(service.list_errors(info.context.ctx, sync_log_id, request))
        return Page.of(rows, EntityError.from_row) if rows is not None else None


@strawberry.type
class RunMutations:
    @strawberry.mutation(
        description="Queues a run of an active instance (REST's POST /sync-events); an inactive one is a "
        "ConflictError, an unknown one a ValidationError."
    )
    async def trigger_sync(
        self, info: Info, instance_id: strawberry.ID, idempotency_key: IdempotencyKeyArg = None
    ) -> TriggerResult:
        ctx, body = info.context.ctx, {"instanceId": str(instance_id)}
        return await start_once(
            ctx, service.TRIGGER_SCOPE, idempotency_key, body, lambda: service.trigger(ctx, body)
        )
