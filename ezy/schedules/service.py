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
from ezy.contract import columns_of, patched
from ezy.errors import invalid
from ezy.instances.models import Instance
from ezy.pagination import Page, PageRequest, paginate
from ezy.schedules.contracts import ScheduleFilter, ScheduleInput, SchedulePatch
from ezy.schedules.cron import next_run
from ezy.schedules.models import Schedule
from ezy.scoping import exists_scoped, get_scoped, scoped
from ezy.timefmt import utcnow
from ezy.versioning import check_version, delete_versioned, integrity_conflict, update_versioned

LABEL = "schedule"
_TIMING = ("cron", "timezone", "enabled")


async def _columns(ctx: TenantContext, data: ScheduleInput) -> dict[str, Any]:
    """The model's columns for an input whose instance your tenant has."""
    if not await exists_scoped(Instance, ctx, data.instance_id):
        raise invalid("/instanceId", f"no instance with id {data.instance_id}")
    # Null or omitted members take their defaults.
    return columns_of(data) | {
        "timezone": data.zone,
        "enabled": data.is_enabled,
        "overlap_policy": data.policy,
    }


def _next_run_at(values: dict[str, Any]) -> datetime | None:
    return next_run(values["cron"], values["timezone"], utcnow()) if values["enabled"] else None


@audited("schedule.create")
async def create(ctx: TenantContext, data: ScheduleInput) -> Schedule:
    values = await _columns(ctx, data)
    with integrity_conflict("the instance was deleted meanwhile"):
        return await Schedule.create(tenant_id=ctx.tenant_id, next_run_at=_next_run_at(values), **values)


async def get(ctx: TenantContext, id: object) -> Schedule:
    return await get_scoped(Schedule, ctx, id, label=LABEL)


async def list_page(ctx: TenantContext, page: PageRequest, filters: ScheduleFilter) -> Page[Schedule]:
    return await paginate(scoped(Schedule, ctx).filter(**filters.where()), page)


@audited("schedule.update", changed)
async def replace(ctx: TenantContext, id: object, data: ScheduleInput, expected_version: int) -> Schedule:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, data, expected_version)


@audited("schedule.update", changed)
async def patch(ctx: TenantContext, id: object, patch: SchedulePatch, expected_version: int) -> Schedule:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, patched(ScheduleInput, row, patch), expected_version)


async def _write(ctx: TenantContext, row: Schedule, data: ScheduleInput, version: int) -> Schedule:
    values = await _columns(ctx, data)
    moved = any(values[k] != getattr(row, k) for k in _TIMING)
    if moved or (values["enabled"] and row.next_run_at is None):
        values["next_run_at"] = _next_run_at(values)
    return await update_versioned(Schedule, ctx, row.id, version, values, label=LABEL)


@audited("schedule.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    await delete_versioned(Schedule, ctx, row.id, expected_version, label=LABEL)
