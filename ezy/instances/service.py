"""Instances: a source profile, a target profile and a mapping, run together.

`status` (`active`/`inactive`) is not part of the body: it changes only through `activate` and
`deactivate`, which are versioned writes like any other. A new instance is `inactive`.
"""

from __future__ import annotations

from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.contract import columns_of, patched
from ezy.errors import FieldError, ValidationFailed
from ezy.instances.contracts import InstanceFilter, InstanceInput, InstancePatch
from ezy.instances.models import Instance, InstanceStatus
from ezy.instances.options import check_options
from ezy.mappings.models import MappingConfiguration
from ezy.pagination import Page, PageRequest, paginate
from ezy.schedules.models import Schedule
from ezy.scoping import exists_scoped, get_scoped, parse_id, scoped
from ezy.versioning import (
    check_version,
    conflict_if_referenced,
    delete_versioned,
    ensure_unique_name,
    integrity_conflict,
    update_versioned,
)
from ezy.webhooks.cache import invalidate as invalidate_webhook_cache
from ezy.webhooks.models import WebhookEndpoint

LABEL = "instance"
_REFERENCES = (
    ("sourceProfileId", "source_profile_id", ConnectionProfile, "connection profile"),
    ("targetProfileId", "target_profile_id", ConnectionProfile, "connection profile"),
    ("mappingId", "mapping_id", MappingConfiguration, "mapping configuration"),
)


async def _columns(ctx: TenantContext, data: InstanceInput) -> dict[str, Any]:
    """The model's columns for an input; every reference your tenant does not have is reported at once."""
    errors: list[FieldError] = []
    for field, column, model, label in _REFERENCES:
        ref = getattr(data, column)
        if not await exists_scoped(model, ctx, ref):
            errors.append(FieldError(f"/{field}", f"no {label} with id {ref}"))
    if errors:
        raise ValidationFailed("the instance references unknown resources", errors=errors)
    return columns_of(data) | {"options": check_options(data.options)}


@audited("instance.create")
async def create(ctx: TenantContext, data: InstanceInput) -> Instance:
    values = await _columns(ctx, data)
    await ensure_unique_name(Instance, ctx, data.name, label=LABEL)
    with integrity_conflict(f"an {LABEL} named {data.name!r} already exists, or a reference vanished"):
        return await Instance.create(tenant_id=ctx.tenant_id, status=InstanceStatus.INACTIVE, **values)


async def owner_of(id: object) -> TenantContext | None:
    """The tenant an instance belongs to, for the operator's command line (`ezy run <instance>`) only:
    every other caller names its tenant first."""
    parsed = parse_id(id)
    row = await Instance.get_or_none(id=parsed).only("id", "tenant_id") if parsed else None
    return TenantContext(row.tenant_id, origin="cli") if row else None


async def get(ctx: TenantContext, id: object) -> Instance:
    return await get_scoped(Instance, ctx, id, label=LABEL)


async def list_page(ctx: TenantContext, page: PageRequest, filters: InstanceFilter) -> Page[Instance]:
    return await paginate(scoped(Instance, ctx).filter(**filters.where()), page)


@audited("instance.update", changed)
async def replace(ctx: TenantContext, id: object, data: InstanceInput, expected_version: int) -> Instance:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, data, expected_version)


@audited("instance.update", changed)
async def patch(ctx: TenantContext, id: object, patch: InstancePatch, expected_version: int) -> Instance:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, patched(InstanceInput, row, patch), expected_version)


async def _write(ctx: TenantContext, row: Instance, data: InstanceInput, version: int) -> Instance:
    values = await _columns(ctx, data)
    await ensure_unique_name(Instance, ctx, data.name, label=LABEL, exclude_id=row.id)
    return await update_versioned(Instance, ctx, row.id, version, values, label=LABEL)


@audited("instance.activate")
async def activate(ctx: TenantContext, id: object, expected_version: int) -> Instance:
    return await _set_status(ctx, id, InstanceStatus.ACTIVE, expected_version)


@audited("instance.deactivate")
async def deactivate(ctx: TenantContext, id: object, expected_version: int) -> Instance:
    return await _set_status(ctx, id, InstanceStatus.INACTIVE, expected_version)


async def _set_status(
    ctx: TenantContext, id: object, status: InstanceStatus, expected_version: int
) -> Instance:
    row = await get(ctx, id)
    check_version(row, expected_version)
    if row.status == status:
        return row  # already there: nothing changes, so neither does the ETag
    updated = await update_versioned(Instance, ctx, row.id, expected_version, {"status": status}, label=LABEL)
    invalidate_webhook_cache()  # the receiver caches whether an endpoint's instance is active
    return updated


@audited("instance.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    schedules = scoped(Schedule, ctx).filter(instance_id=row.id).limit(100).values_list("id", flat=True)
    endpoints = (
        scoped(WebhookEndpoint, ctx).filter(instance_id=row.id).limit(100).values_list("id", flat=True)
    )
    users = {"schedules": await schedules, "webhookEndpoints": await endpoints}
    conflict_if_referenced(LABEL, {kind: [str(i) for i in ids] for kind, ids in users.items()})
    await delete_versioned(Instance, ctx, row.id, expected_version, label=LABEL)
