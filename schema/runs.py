"""Runs: trigger one (a sync event), follow it, read sync logs and their entity errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from pydantic import BaseModel, PrivateAttr
from strawberry.types.base import get_object_definition

from ezy.context import TenantContext
from ezy.contract import parse, parse_query, view_of
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.pipeline.records import Stage as PipelineStage
from ezy.runs import service
from ezy.runs.contracts import (
    EntityErrorView,
    RunCounts,
    RunStages,
    StageCounts,
    SyncEventInput,
    SyncEventView,
    SyncLogFilter,
    SyncLogView,
    TransformStageCounts,
)
from ezy.runs.models import EntityError as EntityErrorRow
from ezy.runs.models import SyncLog as SyncLogRow
from ezy.runs.models import SyncStatus, SyncTrigger
from ezy.timefmt import rfc3339
from schema.common import (
    Page,
    PageArg,
    PageSizeArg,
    as_view,
    contract_type,
    or_none,
    page_request,
)
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


def graphql_names(model: type[BaseModel], **names: str) -> None:
    """Renames fields whose Python name cannot be REST's (`in`, `validate`) to REST's spelling."""
    for field in get_object_definition(model, strict=True).fields:
        if field.python_name in names:
            field.graphql_name = names[field.python_name]


# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(
    SyncStatus,
    description="`succeeded`: nothing failed; `partial`: some records failed; `failed`: the run "
    "could not complete or every record failed.",
)
strawberry.enum(SyncTrigger, description="What started a run.")
strawberry.enum(PipelineStage, name="PipelineStage", description="The pipeline's stages, in order.")
contract_type(RunCounts, "RunCounts")
contract_type(StageCounts, "StageCounts")
contract_type(TransformStageCounts, "TransformStageCounts")
contract_type(RunStages, "RunStages")
contract_type(EntityErrorView, "EntityError")
# Python names that are keywords or BaseModel attributes, GraphQL names as REST spells them.
graphql_names(StageCounts, in_="in")
graphql_names(TransformStageCounts, in_="in")
graphql_names(RunStages, validate_="validate")


class SyncLog(SyncLogView):
    """One run of an instance; its history outlives the instance."""

    # Set by a subscription: DataLoaders of that operation, not of the (long-lived) WebSocket connection.
    _loaders: Loaders | None = PrivateAttr(default=None)

    @strawberry.pydantic.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        row = await (self._loaders or info.context.loaders).instance.load(self.instance_id)
        return Instance.from_row(row) if row else None


contract_type(SyncLog, "SyncLog")


def log_of(row: SyncLogRow, loaders: Loaders | None = None) -> SyncLog:
    log = as_view(SyncLog, row)
    log._loaders = loaders
    return log


class SyncEvent(SyncEventView):
    """A run as its trigger sees it, by correlation id (REST's sync event)."""

    _log: SyncLog | None = PrivateAttr(default=None)

    @strawberry.pydantic.field
    def sync_log(self) -> SyncLog:
        assert self._log is not None
        return self._log

    @classmethod
    def from_row(cls, row: SyncLogRow) -> SyncEvent:
        event = cls.of(row)
        event._log = log_of(row)
        return event


contract_type(SyncEvent, "SyncEvent")


def error_of(row: EntityErrorRow) -> EntityErrorView:
    return view_of(EntityErrorView, row)


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
    return SyncStartedPayload(correlation_id=strawberry.ID(str(log.correlation_id)), sync_log=log_of(log))


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
        given: dict[str, Any] = {
            "instanceId": instance_id,
            "status": status,
            "trigger": trigger,
            "from": from_,
            "to": to,
        }
        where = parse_query(SyncLogFilter, {k: v for k, v in given.items() if v is not None})
        rows = await service.list_logs(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, log_of)

    @strawberry.field(description="One run; null when your tenant has none with this id.")
    async def sync_log(self, info: Info, id: strawberry.ID) -> SyncLog | None:
        row = await or_none(service.get_log(info.context.ctx, id))
        return log_of(row) if row else None

    @strawberry.field(description="A run's entity errors, oldest first; null for a run you do not have.")
    async def sync_log_errors(
        self,
        info: Info,
        sync_log_id: strawberry.ID,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
    ) -> Page[EntityErrorView] | None:
        request = page_request(page, page_size)
        rows = await or_none(service.list_errors(info.context.ctx, sync_log_id, request))
        return Page.of(rows, error_of) if rows is not None else None


@strawberry.type
class RunMutations:
    @strawberry.mutation(
        description="Queues a run of an active instance (REST's POST /sync-events); an inactive one is a "
        "ConflictError, an unknown one a ValidationError."
    )
    async def trigger_sync(
        self, info: Info, instance_id: strawberry.ID, idempotency_key: IdempotencyKeyArg = None
    ) -> TriggerResult:
        ctx, data = info.context.ctx, parse(SyncEventInput, {"instanceId": instance_id})
        body = data.model_dump(by_alias=True, mode="json")  # what the Idempotency-Key is bound to
        return await start_once(
            ctx, service.TRIGGER_SCOPE, idempotency_key, body, lambda: service.trigger(ctx, data)
        )
