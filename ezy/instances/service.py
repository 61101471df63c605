"""Instances: a source profile, a target profile and a mapping, run together.

`status` (`active`/`inactive`) is not part of the body: it changes only through `activate` and
`deactivate`, which are versioned writes like any other. A new instance is `inactive`.
"""

from __future__ import annotations

from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.errors import FieldError, ValidationFailed
from ezy.filters import one_of, parse_filters, uuid_value
from ezy.instances.models import Instance
from ezy.instances.options import check_options
from ezy.mappings.models import MappingConfiguration
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.schedules.models import Schedule
from ezy.scoping import exists_scoped, get_scoped, scoped
from ezy.timefmt import rfc3339
from ezy.validation import check_fields, optional_object, required_str
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
FIELDS = {"name", "sourceProfileId", "targetProfileId", "mappingId", "options"}
STATUSES = ("active", "inactive")
_REFERENCES = (
    ("sourceProfileId", "source_profile_id", ConnectionProfile, "connection profile"),
    ("targetProfileId", "target_profile_id", ConnectionProfile, "connection profile"),
    ("mappingId", "mapping_id", MappingConfiguration, "mapping configuration"),
)


async def _parse(ctx: TenantContext, body: dict[str, Any]) -> dict[str, Any]:
    """The model's columns for a valid body; every unknown reference is reported at once."""
    check_fields(body, FIELDS)
    values: dict[str, Any] = {"name": required_str(body, "name")}
    errors: list[FieldError] = []
    for field, column, model, label in _REFERENCES:
        ref = required_str(body, field, max_length=64)
        if not await exists_scoped(model, ctx, ref):
            errors.append(FieldError(f"/{field}", f"no {label} with id {ref}"))
        values[column] = ref
    if errors:
        raise ValidationFailed("the instance references unknown resources", errors=errors)
    values["options"] = check_options(optional_object(body, "options") or {})
    return values


def _input(row: Instance) -> dict[str, Any]:
    return {
        "name": row.name,
        "sourceProfileId": str(row.source_profile_id),
        "targetProfileId": str(row.target_profile_id),
        "mappingId": str(row.mapping_id),
        "options": row.options,
    }


@audited("instance.create")
async def create(ctx: TenantContext, body: dict[str, Any]) -> Instance:
    values = await _parse(ctx, body)
    await ensure_unique_name(Instance, ctx, values["name"], label=LABEL)
    with integrity_conflict(f"an {LABEL} named {values['name']!r} already exists, or a reference vanished"):
        return await Instance.create(tenant_id=ctx.tenant_id, status="inactive", **values)


async def get(ctx: TenantContext, id: object) -> Instance:
    return await get_scoped(Instance, ctx, id, label=LABEL)


async def list_page(ctx: TenantContext, page: PageRequest, filters: dict[str, str]) -> Page[Instance]:
    spec = {
        "status": ("status", one_of(*STATUSES)),
        "sourceProfileId": ("source_profile_id", uuid_value),
        "targetProfileId": ("target_profile_id", uuid_value),
        "mappingId": ("mapping_id", uuid_value),
    }
    return await paginate(scoped(Instance, ctx).filter(**parse_filters(filters, spec)), page)


@audited("instance.update", changed)
async def replace(ctx: TenantContext, id: object, body: dict[str, Any], expected_version: int) -> Instance:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, body, expected_version)


@audited("instance.update", changed)
async def patch(ctx: TenantContext, id: object, patch: dict[str, Any], expected_version: int) -> Instance:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, merge_patch(_input(row), patch), expected_version)


async def _write(ctx: TenantContext, row: Instance, body: dict[str, Any], version: int) -> Instance:
    values = await _parse(ctx, body)
    await ensure_unique_name(Instance, ctx, values["name"], label=LABEL, exclude_id=row.id)
    return await update_versioned(Instance, ctx, row.id, version, values, label=LABEL)


@audited("instance.activate")
async def activate(ctx: TenantContext, id: object, expected_version: int) -> Instance:
    return await _set_status(ctx, id, "active", expected_version)


@audited("instance.deactivate")
async def deactivate(ctx: TenantContext, id: object, expected_version: int) -> Instance:
    return await _set_status(ctx, id, "inactive", expected_version)


async def _set_status(ctx: TenantContext, id: object, status: str, expected_version: int) -> Instance:
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


def view(row: Instance) -> dict[str, Any]:
    return {
        "id": str(row.id),
        **_input(row),
        "status": row.status,
        "version": row.version,
        "createdAt": rfc3339(row.created_at),
        "updatedAt": rfc3339(row.updated_at),
    }
