"""The dead letter queue: list, inspect, replay (one, or many in the background), discard.

Replaying claims messages with a compare-and-set from `pending` to `replaying`, so replaying the
same message twice at once processes it once, and a message that is not pending is a 409.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from ezy.audit.hooks import audited, bulk, letter_discarded, letter_replayed
from ezy.context import TenantContext
from ezy.dlq.models import MAPPED_STAGES, DeadLetter
from ezy.errors import Conflict, FieldError, ServiceUnavailable, ValidationFailed, invalid
from ezy.filters import FilterSpec, one_of, parse_body_filters, parse_filters, timestamp_value, uuid_value
from ezy.instances.models import Instance
from ezy.pagination import Page, PageRequest, paginate
from ezy.pipeline.records import STAGES
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.scoping import get_scoped, parse_id, scoped
from ezy.timefmt import rfc3339, utcnow

STATUSES = ("pending", "replaying", "resolved", "discarded")
STAGE_NAMES = tuple(str(s) for s in STAGES)
MAX_PAYLOAD_BYTES = 1_000_000
MAX_IDS = 1000
LEGACY = (
    "the message was stored before dead letters kept their source record (it has only the mapped "
    "one): replay it with an edited payload in the source's shape, or discard it"
)


def view(letter: DeadLetter, *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(letter.id),
        "instanceId": str(letter.instance_id),
        "syncLogId": str(letter.sync_log_id),
        "status": letter.status,
        "stage": letter.stage,
        "entityKey": letter.entity_key,
        "error": {"code": letter.code, "message": letter.message},
        "attempts": letter.attempts,
        "resolvedBySyncLogId": str(letter.resolved_by_sync_log_id)
        if letter.resolved_by_sync_log_id
        else None,
        "createdAt": rfc3339(letter.created_at),
        "updatedAt": rfc3339(letter.updated_at),
    }
    if full:
        body["payload"] = letter.payload
        body["mappedPayload"] = letter.mapped_payload
        body["history"] = history(letter)
    return body


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


FILTERS: FilterSpec = {
    "instanceId": ("instance_id", uuid_value),
    "status": ("status", one_of(*STATUSES)),
    "stage": ("stage", one_of(*STAGE_NAMES)),
    "code": ("code", str),
    "from": ("created_at__gte", timestamp_value),
    "to": ("created_at__lt", timestamp_value),
}
# Bulk actions take pending messages only, so a body filter has no status.
BULK_FILTERS: FilterSpec = {name: rule for name, rule in FILTERS.items() if name != "status"}


async def list_page(ctx: TenantContext, page: PageRequest, filters: Mapping[str, str]) -> Page[DeadLetter]:
    return await paginate(scoped(DeadLetter, ctx).filter(**parse_filters(filters, FILTERS)), page)


async def _instance_for_replay(ctx: TenantContext, instance_id: uuid.UUID) -> Instance:
    instance = await scoped(Instance, ctx).get_or_none(id=instance_id)
    if instance is None:
        raise Conflict("the instance of this message was deleted; it can only be discarded")
    if instance.status != "active":
        raise Conflict("the instance is inactive: activate it before replaying")
    return instance


@audited("dlq.replay", letter_replayed)
async def replay_one(ctx: TenantContext, letter_id: object, body: Mapping[str, Any]) -> SyncLog:
    """Replays one pending message from normalize, optionally with an edited source record."""
    unknown = sorted(set(body) - {"payload"})
    if unknown:
        raise invalid(f"/{unknown[0]}", "unknown field")
    letter = await get(ctx, letter_id)
    edited = "payload" in body
    if edited:
        _check_payload(body["payload"])
    if letter.status != "pending":
        raise Conflict(f"the message is {letter.status}; only pending messages can be replayed")
    if not edited and not letter.has_source:
        raise Conflict(LEGACY)
    await _instance_for_replay(ctx, letter.instance_id)
    run_id = uuid.uuid4()
    values: dict[str, Any] = {"status": "replaying", "replay_sync_log_id": run_id, "updated_at": utcnow()}
    if edited:
        values["payload"] = body["payload"]
        values["history"] = [
            *letter.history,
            {"at": utcnow().isoformat(), "outcome": "edited", "previousPayload": letter.payload},
        ]
    claimed = await scoped(DeadLetter, ctx).filter(id=letter.id, status="pending").update(**values)
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


def _check_payload(payload: Any) -> None:
    if not isinstance(payload, dict):
        raise invalid("/payload", "payload must be a JSON object (a record)")
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise invalid("/payload", f"payload must be at most {MAX_PAYLOAD_BYTES} bytes of JSON")


def _bulk_selection(ctx: TenantContext, body: Mapping[str, Any]) -> QuerySet[DeadLetter]:
    unknown = sorted(set(body) - {"ids", "filter"})
    if unknown:
        raise invalid(f"/{unknown[0]}", "unknown field")
    if ("ids" in body) == ("filter" in body):
        raise ValidationFailed(
            "give either ids or filter", errors=[FieldError("", "give either ids or filter")]
        )
    if "ids" in body:
        ids = body["ids"]
        if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS:
            raise invalid("/ids", f"ids must be a list of 1 to {MAX_IDS} message ids")
        parsed = [parse_id(i) for i in ids]
        for index, value in enumerate(parsed):
            if value is None:
                raise invalid(f"/ids/{index}", "not a message id")
        return scoped(DeadLetter, ctx).filter(id__in=parsed)
    filters = body["filter"]
    if not isinstance(filters, dict):
        raise invalid("/filter", "filter must be an object")
    return scoped(DeadLetter, ctx).filter(**parse_body_filters(filters, BULK_FILTERS, pointer="/filter"))


@audited("dlq.bulkReplay", bulk)
async def replay_many(ctx: TenantContext, body: Mapping[str, Any]) -> int:
    """Claims every pending message selected, one replay run per instance, in the background.

    Legacy messages (no source record) are not taken: they need an edited payload, one by one.
    """
    has_source = Q(payload__isnull=False) | ~Q(stage__in=MAPPED_STAGES)  # as `DeadLetter.has_source`
    selection = _bulk_selection(ctx, body).filter(has_source, status="pending")
    instance_ids = await selection.distinct().values_list("instance_id", flat=True)
    count = 0
    for raw_id in instance_ids:
        instance_id = uuid.UUID(str(raw_id))
        instance = await scoped(Instance, ctx).get_or_none(id=instance_id)
        if instance is None or instance.status != "active":
            continue  # such messages stay pending; the count says how many were taken
        run_id = uuid.uuid4()
        claimed = await selection.filter(instance_id=instance_id).update(
            status="replaying", replay_sync_log_id=run_id, updated_at=utcnow()
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
    if letter.status not in ("pending",):
        raise Conflict(f"the message is {letter.status}; only pending messages can be discarded")
    entry = {"at": utcnow().isoformat(), "outcome": "discarded"}
    moved = (
        await scoped(DeadLetter, ctx)
        .filter(id=letter.id, status="pending")
        .update(status="discarded", history=[*letter.history, entry], updated_at=utcnow())
    )
    if not moved:
        raise Conflict("the message changed state meanwhile")
    return await get(ctx, letter.id)


@audited("dlq.bulkDiscard", bulk)
async def discard_many(ctx: TenantContext, body: Mapping[str, Any]) -> int:
    return (
        await _bulk_selection(ctx, body)
        .filter(status="pending")
        .update(status="discarded", updated_at=utcnow())
    )
