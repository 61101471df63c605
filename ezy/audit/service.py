"""The audit log: who did what to which resource, and when, per tenant.

Entries are written by the services' mutation entry points (see `ezy.audit.hooks`), right after the
change; none of those services wraps its change in a transaction (a run is enqueued to Redis, which
must not happen before the commit), so there is none to share. Entries carry names, ids, versions
and counts, never a secret value or a record payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ezy.audit.models import AuditEntry
from ezy.context import TenantContext
from ezy.filters import FilterSpec, parse_filters, timestamp_value, uuid_value
from ezy.pagination import Page, PageRequest, paginate
from ezy.scoping import scoped
from ezy.timefmt import rfc3339


def _resource_id(raw: str) -> str:
    return str(uuid_value(raw))


FILTERS: FilterSpec = {
    "action": ("action", str),
    "resourceType": ("resource_type", str),
    "resourceId": ("resource_id", _resource_id),
    "from": ("created_at__gte", timestamp_value),
    "to": ("created_at__lt", timestamp_value),
}


def _actor_columns(ctx: TenantContext) -> dict[str, Any]:
    if ctx.api_key_id is not None:
        return {
            "actor_type": "apiKey",
            "actor_key_id": ctx.api_key_id,
            "actor_key_prefix": ctx.api_key_prefix,
        }
    return {"actor_type": ctx.origin}


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


async def list_entries(ctx: TenantContext, filters: Mapping[str, str], page: PageRequest) -> Page[AuditEntry]:
    """Newest first; `filters` as query parameters (action, resourceType, resourceId, from, to)."""
    return await paginate(scoped(AuditEntry, ctx).filter(**parse_filters(filters, FILTERS)), page)


def actor_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "type": entry.actor_type,
        "apiKeyId": str(entry.actor_key_id) if entry.actor_key_id else None,
        "prefix": entry.actor_key_prefix,
    }


def view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "at": rfc3339(entry.created_at),
        "actor": actor_view(entry),
        "action": entry.action,
        "resourceType": entry.resource_type,
        "resourceId": entry.resource_id,
        "details": entry.details,
    }
