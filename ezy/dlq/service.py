"""The dead letter queue: list, inspect, replay (one, or many in the background), discard.

Replaying claims messages with a compare-and-set from `pending` to `replaying`, so replaying the
same message twice at once processes it once, and a message that is not pending is a 409.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from ezy.audit.hooks import audited, bulk, letter_discarded, letter_replayed
from ezy.context import TenantContext
from ezy.dlq.contracts import (
    BulkActionInput,
    DeadLetterError,
    DeadLetterListFilter,
    DeadLetterSummary,
    DeadLetterView,
    ReplayInput,
)
from ezy.dlq.models import MAPPED_STAGES, DeadLetter, DeadLetterStatus
from ezy.errors import Conflict, ServiceUnavailable
from ezy.instances.models import Instance
from ezy.pagination import Page, PageRequest, paginate
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.scoping import get_scoped, scoped
from ezy.timefmt import rfc3339, utcnow

V = TypeVar("V", bound=DeadLetterView)
PENDING = DeadLetterStatus.PENDING
LEGACY = (
    "the message was stored before dead letters kept their source record (it has only the mapped "
    "one): replay it with an edited payload in the source's shape, or discard it"
)


def _members(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "instance_id": letter.instance_id,
        "sync_log_id": letter.sync_log_id,
        "status": letter.status,
        "stage": letter.stage,
        "entity_key": letter.entity_key,
        "error": DeadLetterError(code=letter.code, message=letter.message),
        "attempts": letter.attempts,
        "resolved_by_sync_log_id": letter.resolved_by_sync_log_id,
        "created_at": letter.created_at,
        "updated_at": letter.updated_at,
    }


def summary(letter: DeadLetter) -> DeadLetterSummary:
    """A list item: without the records (up to 1 MB each) and the history."""
    return DeadLetterSummary.model_validate(_members(letter))


def view(letter: DeadLetter, model: type[V] = DeadLetterView) -> V:  # type: ignore[assignment]
    """The whole message; `model` is a subclass of the view (GraphQL's adds the instance)."""
    records = {"payload": letter.payload, "mapped_payload": letter.mapped_payload, "history": history(letter)}
    return model.model_validate(_members(letter) | records)


def history(letter: DeadLetter) -> list[Any]:
    """Attempts, edits and discards as stored, then the resolution (kept on the row, not in the list)."""
    if letter.status != "resolved" or letter.resolved_by_sync_log_id is None:
        return list(letter.history)
    resolved = {
        "at": rfc3339(letter.updated_at),
        "syncLogId": str(letter.resolved_by_sync_log_id),
        "trigger": "replay",
        "outcome": "resolved",
    }
    return [*letter.history, resolved]


async def get(ctx: TenantContext, letter_id: object) -> DeadLetter:
    return await get_scoped(DeadLetter, ctx, letter_id, label="dead letter")


async def list_page(ctx: TenantContext, page: PageRequest, filters: DeadLetterListFilter) -> Page[DeadLetter]:
    return await paginate(scoped(DeadLetter, ctx).filter(**filters.where()), page)


async def _instance_for_replay(ctx: TenantContext, instance_id: uuid.UUID) -> Instance:
    instance = await scoped(Instance, ctx).get_or_none(id=instance_id)
    if instance is None:
        raise Conflict("the instance of this message was deleted; it can only be discarded")
    if instance.status != "active":
        raise Conflict("the instance is inactive: activate it before replaying")
    return instance


@audited("dlq.replay", letter_replayed)
async def replay_one(ctx: TenantContext, letter_id: object, replay: ReplayInput) -> SyncLog:
    """Replays one pending message from normalize, optionally with an edited source record."""
    letter = await get(ctx, letter_id)
    edited = replay.edited
    if letter.status != PENDING:
        raise Conflict(f"the message is {letter.status}; only pending messages can be replayed")
    if not edited and not letter.has_source:
        raise Conflict(LEGACY)
    await _instance_for_replay(ctx, letter.instance_id)
    run_id = uuid.uuid4()
    values: dict[str, Any] = {
        "status": DeadLetterStatus.REPLAYING,
        "replay_sync_log_id": run_id,
        "updated_at": utcnow(),
    }
    if edited:
        values["payload"] = replay.payload
        values["history"] = [
            *letter.history,
            {"at": utcnow().isoformat(), "outcome": "edited", "previousPayload": letter.payload},
        ]
    claimed = await scoped(DeadLetter, ctx).filter(id=letter.id, status=PENDING).update(**values)
    if not claimed:
        raise Conflict("the message is already being replayed")
    request = RunRequest("replay", details={"runId": str(run_id)})
    try:
        return await start_run(ctx.tenant_id, letter.instance_id, request, log_id=run_id)
    except ServiceUnavailable:
        await _release(ctx, run_id)
        raise


async def _release(ctx: TenantContext, run_id: uuid.UUID) -> None:
    """The replay run could not be queued (503): its messages are pending again, for the retry."""
    claimed = scoped(DeadLetter, ctx).filter(replay_sync_log_id=run_id, status="replaying")
    await claimed.update(status="pending", replay_sync_log_id=None, updated_at=utcnow())


def _bulk_selection(ctx: TenantContext, selection: BulkActionInput) -> QuerySet[DeadLetter]:
    if selection.ids is not None:
        return scoped(DeadLetter, ctx).filter(id__in=selection.ids)
    assert selection.filter is not None  # the contract takes exactly one of the two
    return scoped(DeadLetter, ctx).filter(**selection.filter.where())


@audited("dlq.bulkReplay", bulk)
async def replay_many(ctx: TenantContext, selection: BulkActionInput) -> int:
    """Claims every pending message selected, one replay run per instance, in the background.

    Legacy messages (no source record) are not taken: they need an edited payload, one by one.
    """
    has_source = Q(payload__isnull=False) | ~Q(stage__in=MAPPED_STAGES)  # as `DeadLetter.has_source`
    chosen = _bulk_selection(ctx, selection).filter(has_source, status=PENDING)
    instance_ids = await chosen.distinct().values_list("instance_id", flat=True)
    count = 0
    for raw_id in instance_ids:
        instance_id = uuid.UUID(str(raw_id))
        instance = await scoped(Instance, ctx).get_or_none(id=instance_id)
        if instance is None or instance.status != "active":
            continue  # such messages stay pending; the count says how many were taken
        run_id = uuid.uuid4()
        claimed = await chosen.filter(instance_id=instance_id).update(
            status=DeadLetterStatus.REPLAYING, replay_sync_log_id=run_id, updated_at=utcnow()
        )
        if claimed:
            count += claimed
            try:
                await start_run(
                    ctx.tenant_id, instance_id, RunRequest("replay", details={"bulk": True}), log_id=run_id
                )
            except ServiceUnavailable:
                await _release(ctx, run_id)
                raise
    return count


@audited("dlq.discard", letter_discarded)
async def discard_one(ctx: TenantContext, letter_id: object) -> DeadLetter:
    letter = await get(ctx, letter_id)
    if letter.status != PENDING:
        raise Conflict(f"the message is {letter.status}; only pending messages can be discarded")
    entry = {"at": utcnow().isoformat(), "outcome": "discarded"}
    moved = (
        await scoped(DeadLetter, ctx)
        .filter(id=letter.id, status=PENDING)
        .update(status=DeadLetterStatus.DISCARDED, history=[*letter.history, entry], updated_at=utcnow())
    )
    if not moved:
        raise Conflict("the message changed state meanwhile")
    return await get(ctx, letter.id)


@audited("dlq.bulkDiscard", bulk)
async def discard_many(ctx: TenantContext, selection: BulkActionInput) -> int:
    return (
        await _bulk_selection(ctx, selection)
        .filter(status=PENDING)
        .update(status=DeadLetterStatus.DISCARDED, updated_at=utcnow())
    )
