"""Schedules: `{instanceId, cron, timezone, enabled, overlapPolicy}` with a computed `nextRunAt`.

`next_run_at` (UTC) is what the scheduler claims rows by. A write recomputes it from now only when
the cron, the time zone or `enabled` changed, so editing `overlapPolicy` cannot skip a due run.
A disabled schedule has none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.context import TenantContext
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.filters import bool_value, parse_filters, uuid_value
from ezy.instances.models import Instance
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.schedules.cron import CronError, next_run, validate_cron, zone
from ezy.schedules.models import Schedule
from ezy.scoping import exists_scoped, get_scoped, scoped
from ezy.timefmt import rfc3339, utcnow
from ezy.validation import check_fields, optional_bool, optional_str, required_str
from ezy.versioning import check_version, delete_versioned, integrity_conflict, update_versioned

LABEL = "schedule"
FIELDS = {"instanceId", "cron", "timezone", "enabled", "overlapPolicy"}
OVERLAP_POLICIES = ("skip", "queue")


async def _parse(ctx: TenantContext, body: dict[str, Any]) -> dict[str, Any]:
    check_fields(body, FIELDS)
    instance_id = required_str(body, "instanceId", max_length=64)
    cron = required_str(body, "cron", max_length=120)
    timezone = optional_str(body, "timezone", max_length=64) or "UTC"
    enabled = optional_bool(body, "enabled")
    policy = optional_str(body, "overlapPolicy", max_length=16) or "skip"
    if policy not in OVERLAP_POLICIES:
        raise invalid("/overlapPolicy", f"overlapPolicy must be one of {', '.join(OVERLAP_POLICIES)}")
    errors = _cron_errors(cron, timezone)
    if not await exists_scoped(Instance, ctx, instance_id):
        errors.append(FieldError("/instanceId", f"no instance with id {instance_id}"))
    if errors:
        raise ValidationFailed("the schedule is not valid", errors=errors)
    return {
        "instance_id": instance_id,
        "cron": cron,
        "timezone": timezone,
        "enabled": True if enabled is None else enabled,
        "overlap_policy": policy,
    }


def _cron_errors(cron: str, timezone: str) -> list[FieldError]:
    try:
        zone(timezone)
    except CronError as exc:
        return [FieldError("/timezone", str(exc))]
    try:
        validate_cron(cron, timezone)
    except CronError as exc:
        return [FieldError("/cron", str(exc))]
    return []


def _next_run_at(values: dict[str, Any]) -> datetime | None:
    return next_run(values["cron"], values["timezone"], utcnow()) if values["enabled"] else None


def _input(row: Schedule) -> dict[str, Any]:
    return {
        "instanceId": str(row.instance_id),
        "cron": row.cron,
        "timezone": row.timezone,
        "enabled": row.enabled,
        "overlapPolicy": row.overlap_policy,
    }


@audited("schedule.create")
async def create(ctx: TenantContext, body: dict[str, Any]) -> Schedule:
    values = await _parse(ctx, body)
    with integrity_conflict("the instance was deleted meanwhile"):
        return await Schedule.create(tenant_id=ctx.tenant_id, next_run_at=_next_run_at(values), **values)


async def get(ctx: TenantContext, id: object) -> Schedule:
    return await get_scoped(Schedule, ctx, id, label=LABEL)


async def list_page(ctx: TenantContext, page: PageRequest, filters: dict[str, str]) -> Page[Schedule]:
    spec = {"instanceId": ("instance_id", uuid_value), "enabled": ("enabled", bool_value)}
    return await paginate(scoped(Schedule, ctx).filter(**parse_filters(filters, spec)), page)


@audited("schedule.update", changed)
async def replace(ctx: TenantContext, id: object, body: dict[str, Any], expected_version: int) -> Schedule:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, body, expected_version)


@audited("schedule.update", changed)
async def patch(ctx: TenantContext, id: object, patch: dict[str, Any], expected_version: int) -> Schedule:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, merge_patch(_input(row), patch), expected_version)


async def _write(ctx: TenantContext, row: Schedule, body: dict[str, Any], version: int) -> Schedule:
    values = await _parse(ctx, body)
    timing = ("cron", "timezone", "enabled")
    if any(values[k] != getattr(row, k) for k in timing) or (values["enabled"] and row.next_run_at is None):
        values["next_run_at"] = _next_run_at(values)
    return await update_versioned(Schedule, ctx, row.id, version, values, label=LABEL)


@audited("schedule.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    await delete_versioned(Schedule, ctx, row.id, expected_version, label=LABEL)


def view(row: Schedule) -> dict[str, Any]:
    return {
        "id": str(row.id),
        **_input(row),
        "nextRunAt": rfc3339(row.next_run_at),
        "lastRunAt": rfc3339(row.last_run_at),
        "version": row.version,
        "createdAt": rfc3339(row.created_at),
        "updatedAt": rfc3339(row.updated_at),
    }
