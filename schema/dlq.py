"""The dead letter queue: failed records with their source records; replay (edited or not) or discard them."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from ezy.contract import parse, parse_query
from ezy.dlq import service
from ezy.dlq.contracts import (
    MAX_IDS,
    BulkActionInput,
    BulkAnswer,
    DeadLetterError,
    DeadLetterFilter,
    DeadLetterListFilter,
    DeadLetterView,
    ReplayInput,
)
from ezy.dlq.models import DeadLetter as DeadLetterRow
from ezy.dlq.models import DeadLetterStatus
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.runs import service as runs_service
from schema.common import Page, PageArg, PageSizeArg, contract_input, contract_type, or_none, page_request
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.instances import Instance
from schema.runs import FromArg, IdempotencyKeyArg, PipelineStage, SyncStartedPayload, ToArg, start_once

strawberry.enum(DeadLetterStatus, description="Only `PENDING` messages can be replayed or discarded.")
contract_type(DeadLetterError, "DeadLetterError")
contract_input(DeadLetterFilter, "DeadLetterFilter")
contract_type(BulkAnswer, "BulkDeadLetterPayload")


class DeadLetter(DeadLetterView):
    """A record that failed a stage: its source record and, past transform, the mapped one."""

    @strawberry.pydantic.field(description="The instance; null once it has been deleted.")
    async def instance(self, info: Info) -> Instance | None:
        row = await info.context.loaders.instance.load(self.instance_id)
        return Instance.from_row(row) if row else None


contract_type(DeadLetter, "DeadLetter")


def letter_of(row: DeadLetterRow) -> DeadLetter:
    return service.view(row, DeadLetter)


@strawberry.type
class DeadLetterPayload:
    dead_letter: DeadLetter


ReplayResult = Annotated[
    SyncStartedPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ReplayDeadLetterResult"),
]
DiscardResult = Annotated[
    DeadLetterPayload | NotFoundError | ConflictError, strawberry.union("DiscardDeadLetterResult")
]
BulkResult = Annotated[BulkAnswer | ValidationError, strawberry.union("BulkDeadLetterResult")]
IdsArg = Annotated[
    list[strawberry.ID] | None,
    strawberry.argument(description=f"Up to {MAX_IDS} message ids; give either ids or filter."),
]
FilterArg = Annotated[DeadLetterFilter | None, strawberry.argument(description="Give either ids or filter.")]


def _selection(ids: list[strawberry.ID] | None, filter: DeadLetterFilter | None) -> BulkActionInput:
    """REST's bulk body, `{ids}` or `{filter}`, validated as REST validates it."""
    body: dict[str, Any] = {}
    if ids is not None:
        body["ids"] = list(ids)
    if filter is not None:
        body["filter"] = filter
    return parse(BulkActionInput, body)


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
        given: dict[str, Any] = {"instanceId": instance_id, "status": status, "stage": stage, "code": code}
        given |= {"from": from_, "to": to}
        where = parse_query(DeadLetterListFilter, {k: v for k, v in given.items() if v is not None})
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, letter_of)

    @strawberry.field(description="One message; null when your tenant has none with this id.")
    async def dead_letter(self, info: Info, id: strawberry.ID) -> DeadLetter | None:
        row = await or_none(service.get(info.context.ctx, id))
        return letter_of(row) if row else None


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
        replay = parse(ReplayInput, body)
        return await start_once(
            ctx,
            runs_service.replay_scope(id),
            idempotency_key,
            body,
            lambda: service.replay_one(ctx, id, replay),
        )

    @strawberry.mutation(description="Discards a pending message; otherwise a ConflictError.")
    async def discard_dead_letter(self, info: Info, id: strawberry.ID) -> DiscardResult:
        return DeadLetterPayload(dead_letter=letter_of(await service.discard_one(info.context.ctx, id)))

    @strawberry.mutation(
        description="Replays the selected pending messages in the background, one run per active instance."
    )
    async def replay_dead_letters(
        self, info: Info, ids: IdsArg = None, filter: FilterArg = None
    ) -> BulkResult:
        return BulkAnswer(count=await service.replay_many(info.context.ctx, _selection(ids, filter)))

    @strawberry.mutation(description="Discards the selected pending messages.")
    async def discard_dead_letters(
        self, info: Info, ids: IdsArg = None, filter: FilterArg = None
    ) -> BulkResult:
        return BulkAnswer(count=await service.discard_many(info.context.ctx, _selection(ids, filter)))
