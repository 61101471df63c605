"""Webhook endpoints (configuration) and the deliveries they received.

`create` returns a `NewEndpoint(endpoint, secret)`: the secret is shown that once, in the create
answer, and never again. A `generic` endpoint without a secret gets `whsec_` + base64 of 32 random
bytes (Standard Webhooks); a given generic secret must have that form (24 to 64 bytes). A `shopify`
secret is Shopify's client secret: any non-empty string, so it must be given. On PUT/PATCH an omitted
or null `secret` keeps the stored one; a new value replaces it (shown to nobody, the caller has it).

A delivery whose run failed some (or all) of its records says so (`failed`, or `processed` with an
error) until replays resolve every one of them: it then becomes `processed`, without error, with
`resolvedBySyncLogId` naming the replay that resolved the last (`settle_replayed_deliveries`).
"""

from __future__ import annotations

import base64
import binascii
import secrets as random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.context import TenantContext
from ezy.dlq.models import DeadLetter
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.filters import one_of, parse_filters, uuid_value
from ezy.instances.models import Instance
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.runs.models import SyncLog
from ezy.runtime import current
from ezy.scoping import exists_scoped, get_scoped, scoped
from ezy.secretbox import SecretBox
from ezy.timefmt import rfc3339, utcnow
from ezy.validation import check_fields, optional_bool, optional_str, required_str
from ezy.versioning import check_version, delete_versioned, integrity_conflict, update_versioned
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint

LABEL = "webhook endpoint"
FIELDS = {"instanceId", "provider", "secret", "topics", "enabled"}
PROVIDERS = ("shopify", "generic")
GENERIC_PREFIX = "whsec_"
MAX_TOPICS = 100


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str


def _box() -> SecretBox:
    box = current().secret_box
    assert box is not None, "runtime not started"
    return box


def new_generic_secret() -> str:
    return GENERIC_PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def _check_secret(provider: str, secret: str) -> None:
    if provider != "generic":
        return
    try:
        raw = base64.b64decode(secret.removeprefix(GENERIC_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not secret.startswith(GENERIC_PREFIX) or not 24 <= len(raw) <= 64:
        raise invalid("/secret", "a generic secret is whsec_ followed by base64 of 24 to 64 bytes")


def _topics(body: dict[str, Any]) -> list[str]:
    topics = body.get("topics")
    if topics is None:
        return []
    if not isinstance(topics, list) or len(topics) > MAX_TOPICS:
        raise invalid("/topics", f"topics must be an array of at most {MAX_TOPICS} strings")
    for i, topic in enumerate(topics):
        if not isinstance(topic, str) or not topic.strip() or len(topic) > 120:
            raise invalid(f"/topics/{i}", "a topic is a non-empty string of at most 120 characters")
    return list(dict.fromkeys(topics))


async def _parse(ctx: TenantContext, body: dict[str, Any], stored_secret: str | None) -> dict[str, Any]:
    """Columns for a valid body; a missing secret is the stored one, else generated (generic only)."""
    check_fields(body, FIELDS)
    instance_id = required_str(body, "instanceId", max_length=64)
    provider = required_str(body, "provider", max_length=16)
    if provider not in PROVIDERS:
        raise invalid("/provider", f"provider must be one of {', '.join(PROVIDERS)}")
    secret = optional_str(body, "secret", max_length=500) or stored_secret
    if secret is None and provider == "shopify":
        raise invalid("/secret", "a shopify endpoint needs the app's client secret")
    secret = secret or new_generic_secret()
    _check_secret(provider, secret)
    values = {"topics": _topics(body), "enabled": optional_bool(body, "enabled") is not False}
    if not await exists_scoped(Instance, ctx, instance_id):
        raise ValidationFailed(
            "unknown instance", errors=[FieldError("/instanceId", f"no instance with id {instance_id}")]
        )
    return {**values, "instance_id": instance_id, "provider": provider, "secret": secret}


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = {k: v for k, v in values.items() if k != "secret"}
    columns["secret_encrypted"] = _box().encrypt({"secret": values["secret"]})
    return columns


def stored_secret(row: WebhookEndpoint) -> str:
    """The endpoint's signing secret, for the receiver's signature check."""
    return str(_box().decrypt(row.secret_encrypted)["secret"])


def _input(row: WebhookEndpoint) -> dict[str, Any]:
    return {
        "instanceId": str(row.instance_id),
        "provider": row.provider,
        "topics": row.topics,
        "enabled": row.enabled,
    }


@audited("webhookEndpoint.create")
async def create(ctx: TenantContext, body: dict[str, Any]) -> NewEndpoint:
    values = await _parse(ctx, body, None)
    with integrity_conflict("the instance was deleted meanwhile"):
        row = await WebhookEndpoint.create(tenant_id=ctx.tenant_id, **_columns(values))
    return NewEndpoint(row, values["secret"])


async def get(ctx: TenantContext, id: object) -> WebhookEndpoint:
    return await get_scoped(WebhookEndpoint, ctx, id, label=LABEL)


async def list_page(ctx: TenantContext, page: PageRequest, filters: dict[str, str]) -> Page[WebhookEndpoint]:
    spec = {"instanceId": ("instance_id", uuid_value), "provider": ("provider", one_of(*PROVIDERS))}
    return await paginate(scoped(WebhookEndpoint, ctx).filter(**parse_filters(filters, spec)), page)


@audited("webhookEndpoint.update", changed)
async def replace(
    ctx: TenantContext, id: object, body: dict[str, Any], expected_version: int
) -> WebhookEndpoint:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, body, expected_version)


@audited("webhookEndpoint.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: dict[str, Any], expected_version: int
) -> WebhookEndpoint:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, merge_patch(_input(row), patch), expected_version)


async def _write(
    ctx: TenantContext, row: WebhookEndpoint, body: dict[str, Any], version: int
) -> WebhookEndpoint:
    values = await _parse(ctx, body, stored_secret(row))
    return await update_versioned(WebhookEndpoint, ctx, row.id, version, _columns(values), label=LABEL)


@audited("webhookEndpoint.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    await delete_versioned(WebhookEndpoint, ctx, row.id, expected_version, label=LABEL)


DELIVERY_LIST_COLUMNS = (
    "id", "received_at", "topic", "external_id", "status", "sync_log_id", "processed_at", "error",
    "resolved_by_sync_log_id",
)  # fmt: skip


async def list_deliveries(
    ctx: TenantContext, endpoint_id: object, page: PageRequest
) -> Page[WebhookDelivery]:
    endpoint = await get(ctx, endpoint_id)
    # Not the payload (up to the body limit each): neither the REST view nor GraphQL lists it.
    query = scoped(WebhookDelivery, ctx).filter(endpoint_id=endpoint.id)
    return await paginate(query, page, order="-received_at", columns=DELIVERY_LIST_COLUMNS)


def view(row: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(row.id),
        **_input(row),
        "url": f"/api/v1/webhooks/{row.id}",
        "version": row.version,
        "createdAt": rfc3339(row.created_at),
        "updatedAt": rfc3339(row.updated_at),
    }


async def settle_replayed_deliveries(replay: SyncLog, origin_log_ids: Iterable[uuid.UUID]) -> int:
    """After `replay`: the deliveries of the webhook runs it replayed records of, whose every record
    is now loaded or resolved, become `processed` (see the module's docstring); returns how many."""
    settled = 0
    origins = SyncLog.filter(id__in=list(origin_log_ids), tenant_id=replay.tenant_id, trigger="webhook")
    for run in await origins.filter(failed__gt=0):
        delivery = await WebhookDelivery.get_or_none(
            id=run.request.get("deliveryId"), tenant_id=run.tenant_id, status__in=("failed", "processed")
        )
        if delivery is None or delivery.resolved_by_sync_log_id is not None:
            continue
        records = len(delivery.payload) if isinstance(delivery.payload, list) else 1
        if run.total != records:  # the run stopped before it saw every record: replays cannot tell
            continue
        if await DeadLetter.filter(sync_log_id=run.id).exclude(status="resolved").exists():
            continue
        settled += await WebhookDelivery.filter(id=delivery.id, resolved_by_sync_log_id=None).update(
            status="processed", error=None, processed_at=utcnow(), resolved_by_sync_log_id=replay.id
        )
    return settled


def delivery_view(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "receivedAt": rfc3339(row.received_at),
        "topic": row.topic,
        "externalId": row.external_id,
        "status": row.status,
        "syncLogId": str(row.sync_log_id) if row.sync_log_id else None,
        "processedAt": rfc3339(row.processed_at),
        "error": row.error,
        "resolvedBySyncLogId": str(row.resolved_by_sync_log_id) if row.resolved_by_sync_log_id else None,
    }
