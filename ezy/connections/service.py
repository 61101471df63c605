"""Connection profiles: `{name, kind, config, secrets}`, with secrets write-only and encrypted at rest.

Secrets: the body's `secrets` replaces the stored set; on PUT an omitted (or null) `secrets` keeps
the stored ones, so a client that never saw them can still edit the rest. PATCH merges into the
stored secrets like any other member (`{"secrets": {"token": "new"}}` changes one,
`{"secrets": {"token": null}}` removes one, `{"secrets": null}` removes all). Responses name the
keys only (`secretKeys`); values are never returned, logged or quoted in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from ezy.audit.hooks import audited, changed, deleted
from ezy.connections import testing
from ezy.connections.kinds import cross_check, kinds, schemas
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.filters import one_of, parse_filters
from ezy.instances.models import Instance
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.runtime import current
from ezy.schemaerrors import schema_errors
from ezy.scoping import get_scoped, scoped
from ezy.secretbox import SecretBox
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

LABEL = "connection profile"
FIELDS = {"name", "kind", "config", "secrets"}


@dataclass(frozen=True)
class _Input:
    name: str
    kind: str
    config: dict[str, Any]
    secrets: dict[str, Any]


def _box() -> SecretBox:
    box = current().secret_box
    assert box is not None, "runtime not started"
    return box


def _parse(body: dict[str, Any], stored_secrets: dict[str, Any]) -> _Input:
    """Validates a whole body; `stored_secrets` stand in when the body has none."""
    check_fields(body, FIELDS)
    name = required_str(body, "name")
    kind = required_str(body, "kind", max_length=32)
    if kind not in kinds():
        raise invalid("/kind", f"unknown kind; one of {', '.join(kinds())}")
    config = optional_object(body, "config") or {}
    given = optional_object(body, "secrets")
    secrets = stored_secrets if given is None else given
    config_schema, secrets_schema = schemas(kind)
    errors = schema_errors(config_schema, config, "/config")
    secret_errors = schema_errors(secrets_schema, secrets, "/secrets")
    if given is None and stored_secrets and secret_errors:
        secret_errors = [FieldError("/secrets", f"the stored secrets do not fit kind {kind!r}; send secrets")]
    errors += secret_errors
    if not errors:
        errors = cross_check(kind, config, set(secrets))
    if errors:
        raise ValidationFailed("the connection profile is not valid", errors=errors)
    return _Input(name, kind, config, secrets)


def _columns(data: _Input) -> dict[str, Any]:
    return {
        "name": data.name,
        "kind": data.kind,
        "config": data.config,
        "secrets_encrypted": _box().encrypt(data.secrets),
        "secret_keys": sorted(data.secrets),
    }


@audited("connectionProfile.create")
async def create(ctx: TenantContext, body: dict[str, Any]) -> ConnectionProfile:
    data = _parse(body, {})
    await ensure_unique_name(ConnectionProfile, ctx, data.name, label=LABEL)
    with integrity_conflict(f"a {LABEL} named {data.name!r} already exists"):
        return await ConnectionProfile.create(tenant_id=ctx.tenant_id, **_columns(data))


async def get(ctx: TenantContext, id: object) -> ConnectionProfile:
    return await get_scoped(ConnectionProfile, ctx, id, label=LABEL)


async def list_page(
    ctx: TenantContext, page: PageRequest, filters: dict[str, str]
) -> Page[ConnectionProfile]:
    where = parse_filters(filters, {"kind": ("kind", one_of(*kinds()))})
    return await paginate(scoped(ConnectionProfile, ctx).filter(**where), page)


@audited("connectionProfile.update", changed)
async def replace(
    ctx: TenantContext, id: object, body: dict[str, Any], expected_version: int
) -> ConnectionProfile:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, _parse(body, _box().decrypt(row.secrets_encrypted)), expected_version)


@audited("connectionProfile.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: dict[str, Any], expected_version: int
) -> ConnectionProfile:
    row = await get(ctx, id)
    check_version(row, expected_version)
    stored = _box().decrypt(row.secrets_encrypted)
    current_input = {"name": row.name, "kind": row.kind, "config": row.config, "secrets": stored}
    merged = merge_patch(current_input, patch)
    merged.setdefault("secrets", {})  # removed by the patch: none, not "keep"
    return await _write(ctx, row, _parse(merged, stored), expected_version)


async def _write(ctx: TenantContext, row: ConnectionProfile, data: _Input, version: int) -> ConnectionProfile:
    await ensure_unique_name(ConnectionProfile, ctx, data.name, label=LABEL, exclude_id=row.id)
    return await update_versioned(ConnectionProfile, ctx, row.id, version, _columns(data), label=LABEL)


@audited("connectionProfile.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    users = scoped(Instance, ctx).filter(Q(source_profile_id=row.id) | Q(target_profile_id=row.id))
    ids = await users.order_by("created_at").limit(100).values_list("id", flat=True)
    conflict_if_referenced(LABEL, {"instances": [str(i) for i in ids]})
    await delete_versioned(ConnectionProfile, ctx, row.id, expected_version, label=LABEL)


async def test(ctx: TenantContext, id: object) -> dict[str, Any]:
    """Runs the kind's connection test: `{ok, latencyMs, detail}`, never raising for a failed test."""
    row = await get(ctx, id)
    secrets = _box().decrypt(row.secrets_encrypted)
    result = await testing.run_test(row.kind, row.config, secrets, current().settings.allow_private_networks)
    return result.as_dict()


def view(row: ConnectionProfile) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "kind": row.kind,
        "config": row.config,
        "secretKeys": list(row.secret_keys),
        "version": row.version,
        "createdAt": rfc3339(row.created_at),
        "updatedAt": rfc3339(row.updated_at),
    }
