"""The dead letter queue: failed records with their source records; replay (edited or not) or discard them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from ezy.dlq import service
from ezy.dlq.models import DeadLetter as DeadLetterRow
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.runs import service as runs_service
from schema.common import Page, PageArg, PageSizeArg, filters, or_none, page_request, to_body
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.instances import Instance
from schema.runs import (
    FromArg,
    IdempotencyKeyArg,
    PipelineStage,
    SyncStartedPayload,
    ToArg,
    start_once,
    time_filters,
)


@strawberry.enum(description="Only `PENDING` messages can be replayed or discarded.")
class DeadLetterStatus(enum.Enum):
    PENDING = "pending"
    REPLAYING = "replaying"
    RESOLVED = "resolved"
    DISCARDED = "discarded"


@strawberry.type(description="Why the record failed.")
class DeadLetterError:
    code: str
    message: str


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(
    description="A record that failed a stage: its source record and, past transform, the mapped one."
)
class DeadLetter:
    row: strawberry.Private[DeadLetterRow]
    id: strawberry.ID
    instance_id: strawberry.ID
    sync_log_id: strawberry.ID
    status: DeadLetterStatus
    stage: PipelineStage
    entity_key: str | None
    error: DeadLetterError
    attempts: int
    resolved_by_sync_log_id: strawberry.ID | None
    payload: JSON | None = strawberry.field(
        description="The source record, as it entered normalize: what a replay runs. Null on a legacy "
        "message (stored mapped only). Up to 1 MB: on long lists, select it from `deadLetter(id)`."
    )
    mapped_payload: JSON | None = strawberry.field(
        description="The mapped record, for validate and load failures (display only); else null."
    )
    history: list[JSON] = strawberry.field(description="Replays, edits and discards, oldest first.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: DeadLetterRow) -> DeadLetter:
        return cls(
            row=row,
            id=_id(row.id),
            instance_id=_id(row.instance_id),
            sync_log_id=_id(row.sync_log_id),
            status=DeadLetterStatus(row.status),
            stage=PipelineStage(row.stage),
            entity_key=row.entity_key,
            error=DeadLetterError(code=row.code, message=row.message),
            attempts=row.attempts,
            resolved_by_sync_log_id=_id(row.resolved_by_sync_log_id) if row.resolved_by_sync_log_id else None,
            payload=JSON(row.payload),
            mapped_payload=JSON(row.mapped_payload),
            history=[JSON(entry) for entry in service.history(row)],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        row = await info.context.loaders.instance.load(self.row.instance_id)
        return Instance.from_row(row) if row else None


@strawberry.input(description="Selects pending messages for a bulk action; omitted fields do not filter.")
class DeadLetterFilter:
    instance_id: strawberry.ID | None = strawberry.UNSET
    stage: PipelineStage | None = strawberry.UNSET
    code: str | None = strawberry.UNSET
    from_: datetime | None = strawberry.field(name="from", default=strawberry.UNSET)
    to: datetime | None = strawberry.UNSET


@strawberry.type
class DeadLetterPayload:
    dead_letter: DeadLetter


@strawberry.type(description="How many messages the bulk action took (REST's 202 `{count}`).")
class BulkDeadLetterPayload:
    count: int


ReplayResult = Annotated[
    SyncStartedPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ReplayDeadLetterResult"),
]
DiscardResult = Annotated[
    DeadLetterPayload | NotFoundError | ConflictError, strawberry.union("DiscardDeadLetterResult")
]
BulkResult = Annotated[BulkDeadLetterPayload | ValidationError, strawberry.union("BulkDeadLetterResult")]
IdsArg = Annotated[
    list[strawberry.ID] | None,
    strawberry.argument(description=f"Up to {service.MAX_IDS} message ids; give either ids or filter."),
]
FilterArg = Annotated[DeadLetterFilter | None, strawberry.argument(description="Give either ids or filter.")]


def _selection(ids: list[strawberry.ID] | None, filter: DeadLetterFilter | None) -> dict[str, Any]:
    """REST's bulk body: `{ids}` or `{filter}`; the service rejects neither and both."""
    body: dict[str, Any] = {}
    if ids is not None:
        body["ids"] = [str(i) for i in ids]
    if filter is not None:
        body["filter"] = to_body(filter)
    return body


@strawberry.type
class DeadLetterQueries:
    @strawberry.field(description="Your messages, newest first; every argument after `pageSize` filters.")
    async def dead_letters(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        instance_id: strawberry.ID | None = None,
        status: DeadLetterStatus | None = None,
        stage: PipelineStage | None = None,
        code: str | None = None,
        from_: FromArg = None,
        to: ToArg = None,
    ) -> Page[DeadLetter]:
        where = {
            **filters(instance_id=instance_id, status=status, stage=stage, code=code),
            **time_filters(from_, to),
        }
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, DeadLetter.from_row)

    @strawberry.field(description="One message; null when your tenant has none with this id.")
    async def dead_letter(self, info: Info, id: strawberry.ID) -> DeadLetter | None:
        row = await or_none(service.get(info.context.ctx, id))
        return DeadLetter.from_row(row) if row else None


@strawberry.type
class DeadLetterMutations:
    @strawberry.mutation(
        description="Replays a pending message in a new run from normalize with the current mapping, "
        "with `payload` (in the source's shape) instead of the stored source record when given; not "
        "pending, its instance inactive, or a legacy message without `payload`: ConflictError."
    )
    async def replay_dead_letter(
        self,
        info: Info,
        id: strawberry.ID,
        payload: JSON | None = strawberry.UNSET,
        idempotency_key: IdempotencyKeyArg = None,
    ) -> ReplayResult:
        ctx = info.context.ctx
        body = {} if payload is strawberry.UNSET else {"payload": payload}
        return await start_once(
            ctx,
            runs_service.replay_scope(id),
            idempotency_key,
            body,
            lambda: service.replay_one(ctx, id, body),
        )

    @strawberry.mutation(description="Discards a pending message; otherwise a ConflictError.")
    async def discard_dead_letter(self, info: Info, id: strawberry.ID) -> DiscardResult:
        return DeadLetterPayload(
            dead_letter=DeadLetter.from_row(await service.discard_one(info.context.ctx, id))
        )

    @strawberry.mutation(
        description="Replays the selected pending messages in the background, one run per active instance."
    )
    async def replay_dead_letters(
        self, info: Info, ids: IdsArg = None, filter: FilterArg = None
    ) -> BulkResult:
        return BulkDeadLetterPayload(
            count=await service.replay_many(info.context.ctx, _selection(ids, filter))
        )

    @strawberry.mutation(description="Discards the selected pending messages.")
    async def discard_dead_letters(
        self, info: Info, ids: IdsArg = None, filter: FilterArg = None
    ) -> BulkResult:
        return BulkDeadLetterPayload(
            count=await service.discard_many(info.context.ctx, _selection(ids, filter))
        )
