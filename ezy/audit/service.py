"""The audit log: who did what to which resource, and when, per tenant.

Entries are written by the services' mutation entry points (see `ezy.audit.hooks`), right after the
change; none of those services wraps its change in a transaction (a run is enqueued to Redis, which
must not happen before the commit), so there is none to share. Entries carry names, ids, versions
and counts, never a secret value or a record payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ezy.audit.contracts import AuditActor, AuditEntryView, AuditFilter
from ezy.audit.models import AuditActorType, AuditEntry
from ezy.context import TenantContext
from ezy.pagination import Page, PageRequest, paginate
from ezy.scoping import scoped


def _actor_columns(ctx: TenantContext) -> dict[str, Any]:
    if ctx.api_key_id is not None:
        return {
            "actor_type": AuditActorType.API_KEY,
            "actor_key_id": ctx.api_key_id,
            "actor_key_prefix": ctx.api_key_prefix,
        }
    return {"actor_type": AuditActorType(ctx.origin)}


async def record(
    ctx: TenantContext,
    action: str,
    resource_type: str,
    resource_id: object | None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Appends one entry for the caller's tenant; `action` is `<resourceType>.<verb>` (`apiKey.rotate`)."""
    return await AuditEntry.create(
        tenant_id=ctx.tenant_id,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        details=dict(details or {}),
        **_actor_columns(ctx),
    )


async def list_entries(ctx: TenantContext, page: PageRequest, filters: AuditFilter) -> Page[AuditEntry]:
    """Newest first."""
    return await paginate(scoped(AuditEntry, ctx).filter(**filters.where()), page)


def view(entry: AuditEntry) -> AuditEntryView:
    actor = AuditActor(type=entry.actor_type, api_key_id=entry.actor_key_id, prefix=entry.actor_key_prefix)
    return AuditEntryView(
        id=entry.id,
        at=entry.created_at,
        actor=actor,
        action=entry.action,
        resource_type=entry.resource_type,
        resource_id=entry.resource_id,
        details=entry.details,
    )
