"""Runs as clients see them: trigger one (a sync event), poll it, read sync logs and their errors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ezy import queue
from ezy.audit.hooks import audited, run_started
from ezy.context import TenantContext
from ezy.errors import Conflict, NotFound, invalid
from ezy.filters import FilterSpec, one_of, parse_filters, timestamp_value, uuid_value
from ezy.idempotency.service import once
from ezy.instances.models import Instance
from ezy.pagination import Page, PageRequest, paginate
from ezy.runs import pages
from ezy.runs.models import EntityError, SyncLog
from ezy.runtime import current
from ezy.scoping import get_scoped, parse_id, scoped
from ezy.unavailable import is_unavailable, unavailable_error

TRIGGERS = ("schedule", "api", "webhook", "replay")
STATUSES = ("queued", "running", "succeeded", "partial", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "partial", "failed", "cancelled"})
# Triggers whose run stays `queued` when Redis is down: no client retries them (see `start_run`).
KEPT_WHEN_UNQUEUED = frozenset({"schedule", "webhook"})


@dataclass(frozen=True)
class RunRequest:
    """What a new run is asked to do beyond reading its instance's source."""

    trigger: str
    correlation_id: uuid.UUID | None = None
    details: Mapping[str, Any] | None = None


async def start_run(
    tenant_id: uuid.UUID, instance_id: uuid.UUID, request: RunRequest, *, log_id: uuid.UUID | None = None
) -> SyncLog:
    """Records the run as `queued` and enqueues it; the correlation id is the arq job id.

    Used by every trigger (API, schedule, webhook, replay) after its own checks. When the job cannot
    be enqueued (Redis unreachable) the run is deleted again and ServiceUnavailable (503) raised:
    the answer means "nothing was started", so a retry (with the same Idempotency-Key, whose claim
    `once` releases) starts exactly one run. Scheduled and webhook runs, which no client retries,
    stay `queued` instead: the scheduler's sweeps (`reenqueue_stale_queued`,
    `requeue_accepted_deliveries`) enqueue them once Redis is back.
    """
    correlation_id = request.correlation_id or uuid.uuid4()
    log = await SyncLog.create(
        id=log_id or uuid.uuid4(),
        tenant_id=tenant_id,
        instance_id=instance_id,
        correlation_id=correlation_id,
        trigger=request.trigger,
        status="queued",
        request=dict(request.details or {}),
    )
    try:
        await queue.enqueue_run(current().pool, str(log.id), str(correlation_id))
    except Exception as exc:
        if request.trigger not in KEPT_WHEN_UNQUEUED:
            await log.delete()  # a row left `queued` would be run later by the stale-run sweep
        if is_unavailable(exc):
            raise unavailable_error() from exc
        raise
    return log


TRIGGER_SCOPE = "POST /sync-events"


def replay_scope(letter_id: object) -> str:
    """The Idempotency-Key scope of one message's replay; an id that is no UUID names no message (and
    would not fit the scope column)."""
    parsed = parse_id(letter_id)
    if parsed is None:
        raise NotFound("no such dead letter")
    return f"POST /dlq/{parsed}/replay"


def started_view(log: SyncLog) -> dict[str, Any]:
    """The answer to a request that started a run (sync event or replay)."""
    return {"correlationId": str(log.correlation_id), "status": log.status, "syncLogId": str(log.id)}


async def start_once(
    ctx: TenantContext, scope: str, key: str | None, body: Any, start: Callable[[], Awaitable[SyncLog]]
) -> tuple[dict[str, Any], SyncLog]:
    """Starts a run at most once per `Idempotency-Key` (REST and GraphQL share keys and scopes).

    Returns the first answer (as stored) and the run as it is now.
    """
    started: list[SyncLog] = []

    async def produce() -> tuple[int, Any]:
        started.append(await start())
        return 202, started_view(started[0])

    _, answer = await once(ctx, scope, key, body, produce)
    return answer, started[0] if started else await get_log(ctx, answer["syncLogId"])


@audited("syncEvent.create", run_started)
async def trigger(ctx: TenantContext, body: Mapping[str, Any]) -> SyncLog:
    """`POST /sync-events`: an API-triggered run of an active instance of the caller's tenant."""
    unknown = sorted(set(body) - {"instanceId"})
    if unknown:
        raise invalid(f"/{unknown[0]}", "unknown field")
    if not isinstance(body.get("instanceId"), str):
        raise invalid("/instanceId", "instanceId is required and must be a string (UUID)")
    instance_id = parse_id(body["instanceId"])
    instance = await scoped(Instance, ctx).get_or_none(id=instance_id) if instance_id else None
    if instance is None:
        raise invalid("/instanceId", "no such instance in this tenant")
    if instance.status != "active":
        raise Conflict("the instance is inactive: activate it before triggering runs")
    return await start_run(ctx.tenant_id, instance.id, RunRequest("api"))


async def get_event(ctx: TenantContext, correlation_id: object) -> SyncLog:
    parsed = parse_id(correlation_id)
    log = await scoped(SyncLog, ctx).get_or_none(correlation_id=parsed) if parsed else None
    if log is None:
        raise NotFound(f"sync event {correlation_id} not found")
    return log


async def get_log(ctx: TenantContext, log_id: object) -> SyncLog:
    return await get_scoped(SyncLog, ctx, log_id, label="sync log")


LOG_FILTERS: FilterSpec = {
    "instanceId": ("instance_id", uuid_value),
    "status": ("status", one_of(*STATUSES)),
    "trigger": ("trigger", one_of(*TRIGGERS)),
    "from": ("created_at__gte", timestamp_value),
    "to": ("created_at__lt", timestamp_value),
}


async def list_logs(ctx: TenantContext, page: PageRequest, filters: Mapping[str, str]) -> Page[SyncLog]:
    where = parse_filters(filters, LOG_FILTERS)
    if not where:  # the whole list: its total and deep pages come from the per-hour counts
        return await pages.all_logs(ctx, page)
    return await paginate(scoped(SyncLog, ctx).filter(**where), page)


async def list_errors(ctx: TenantContext, log_id: object, page: PageRequest) -> Page[EntityError]:
    log = await get_log(ctx, log_id)
    return await paginate(scoped(EntityError, ctx).filter(sync_log_id=log.id), page, order="created_at")
