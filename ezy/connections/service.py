"""Connection profiles: `{name, kind, config, secrets}`, with secrets write-only and encrypted at rest.

Secrets: the body's `secrets` replaces the stored set; on PUT an omitted (or null) `secrets` keeps
the stored ones, so a client that never saw them can still edit the rest. PATCH merges into the
stored secrets like any other member (`{"secrets": {"token": "new"}}` changes one,
`{"secrets": {"token": null}}` removes one, `{"secrets": null}` removes all). Responses name the
keys only (`secretKeys`); values are never returned, logged or quoted in an error.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from ezy.audit.hooks import audited, changed, deleted
from ezy.connections import sampling, testing
from ezy.connections.contracts import (
    ConnectionProfileFilter,
    ConnectionProfileInput,
    ConnectionProfilePatch,
    ConnectionTestView,
    SampleRequest,
    SampleView,
)
from ezy.connections.kinds import profile_errors
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.contract import columns_of, current_input, parse
from ezy.errors import FieldError, ValidationFailed
from ezy.instances.models import Instance
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.runtime import current
from ezy.scoping import get_scoped, scoped
from ezy.secretbox import SecretBox
from ezy.versioning import (
    check_version,
    conflict_if_referenced,
    delete_versioned,
    ensure_unique_name,
    integrity_conflict,
    update_versioned,
)

LABEL = "connection profile"


def _box() -> SecretBox:
    box = current().secret_box
    assert box is not None, "runtime not started"
    return box


def _secrets(data: ConnectionProfileInput, stored: dict[str, Any]) -> dict[str, Any]:
    """The secrets to store, after checking config and secrets against the kind's declaration."""
    secrets = stored if data.secrets is None else data.secrets
    errors = profile_errors(data.kind, data.config, secrets)
    if data.secrets is None and stored and any(e.pointer.startswith("/secrets") for e in errors):
        message = f"the stored secrets do not fit kind {data.kind.value!r}; send secrets"
        errors = [e for e in errors if not e.pointer.startswith("/secrets")] + [
            FieldError("/secrets", message)
        ]
    if errors:
        raise ValidationFailed("the connection profile is not valid", errors=errors)
    return secrets


def _columns(data: ConnectionProfileInput, secrets: dict[str, Any]) -> dict[str, Any]:
    return columns_of(data, exclude={"secrets"}) | {
        "secrets_encrypted": _box().encrypt(secrets),
        "secret_keys": sorted(secrets),
    }


@audited("connectionProfile.create")
async def create(ctx: TenantContext, data: ConnectionProfileInput) -> ConnectionProfile:
    columns = _columns(data, _secrets(data, {}))
    await ensure_unique_name(ConnectionProfile, ctx, data.name, label=LABEL)
    with integrity_conflict(f"a {LABEL} named {data.name!r} already exists"):
        return await ConnectionProfile.create(tenant_id=ctx.tenant_id, **columns)


async def get(ctx: TenantContext, id: object) -> ConnectionProfile:
    return await get_scoped(ConnectionProfile, ctx, id, label=LABEL)


async def list_page(
    ctx: TenantContext, page: PageRequest, filters: ConnectionProfileFilter
) -> Page[ConnectionProfile]:
    return await paginate(scoped(ConnectionProfile, ctx).filter(**filters.where()), page)


@audited("connectionProfile.update", changed)
async def replace(
    ctx: TenantContext, id: object, data: ConnectionProfileInput, expected_version: int
) -> ConnectionProfile:
    row = await get(ctx, id)
    check_version(row, expected_version)
    secrets = _secrets(data, _box().decrypt(row.secrets_encrypted))
    return await _write(ctx, row, data, secrets, expected_version)


@audited("connectionProfile.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: ConnectionProfilePatch, expected_version: int
) -> ConnectionProfile:
    row = await get(ctx, id)
    check_version(row, expected_version)
    stored = _box().decrypt(row.secrets_encrypted)
    present = current_input(ConnectionProfileInput, row, secrets=stored)
    merged = merge_patch(present, patch.model_dump(by_alias=True, exclude_unset=True, mode="json"))
    merged.setdefault("secrets", {})  # removed by the patch: none, not "keep"
    data = parse(ConnectionProfileInput, merged)
    return await _write(ctx, row, data, _secrets(data, stored), expected_version)


async def _write(
    ctx: TenantContext,
    row: ConnectionProfile,
    data: ConnectionProfileInput,
    secrets: dict[str, Any],
    version: int,
) -> ConnectionProfile:
    await ensure_unique_name(ConnectionProfile, ctx, data.name, label=LABEL, exclude_id=row.id)
    columns = _columns(data, secrets)
    return await update_versioned(ConnectionProfile, ctx, row.id, version, columns, label=LABEL)


@audited("connectionProfile.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    users = scoped(Instance, ctx).filter(Q(source_profile_id=row.id) | Q(target_profile_id=row.id))
    ids = await users.order_by("created_at").limit(100).values_list("id", flat=True)
    conflict_if_referenced(LABEL, {"instances": [str(i) for i in ids]})
    await delete_versioned(ConnectionProfile, ctx, row.id, expected_version, label=LABEL)


async def test(ctx: TenantContext, id: object) -> ConnectionTestView:
    """Runs the kind's connection test, never raising for a failed test."""
    row = await get(ctx, id)
    secrets = _box().decrypt(row.secrets_encrypted)
    result = await testing.run_test(row.kind, row.config, secrets, current().settings.allow_private_networks)
    return ConnectionTestView(ok=result.ok, latency_ms=round(result.latency_ms, 1), detail=result.detail)


async def sample(ctx: TenantContext, id: object, request: SampleRequest) -> SampleView:
    """The first records of `request.resource`, read through the profile (ezy.connections.sampling)."""
    row = await get(ctx, id)
    secrets = _box().decrypt(row.secrets_encrypted)
    allow_private = current().settings.allow_private_networks
    found = await sampling.read_sample(
        row.kind, row.config, secrets, request.resource, request.limit, allow_private
    )
    return SampleView(resource=request.resource, records=found.records, truncated=found.truncated)
