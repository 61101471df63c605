"""Webhook endpoints (configuration) and the deliveries they received.

`create` returns a `NewEndpoint(endpoint, secret)`: the secret is shown that once, in the create
answer, and never again. A `generic` endpoint without a secret gets `whsec_` + base64 of 32 random
bytes (Standard Webhooks); a given generic secret must have that form (24 to 64 bytes). A `shopify`
secret is Shopify's client secret: any non-empty string, so it must be given. On PUT/PATCH an omitted
or null `secret` keeps the stored one; a new value replaces it (shown to nobody, the caller has it).

A replaced secret keeps verifying deliveries for EZY_WEBHOOK_PREVIOUS_SECRET_SECONDS (default an
hour) after the change, so a sender that rotates loses nothing signed in between (`previous_secret`).

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
from datetime import datetime, timedelta
from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.context import TenantContext
from ezy.contract import parse
from ezy.dlq.models import DeadLetter
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.instances.models import Instance
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.runs.models import SyncLog
from ezy.runtime import current
from ezy.scoping import exists_scoped, get_scoped, scoped
from ezy.secretbox import SecretBox
from ezy.timefmt import utcnow
from ezy.versioning import check_version, delete_versioned, integrity_conflict, update_versioned
from ezy.webhooks.cache import invalidate
from ezy.webhooks.contracts import (
    WebhookDeliveryFilter,
    WebhookEndpointFilter,
    WebhookEndpointInput,
    WebhookEndpointPatch,
)
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookProvider

LABEL = "webhook endpoint"
GENERIC_PREFIX = "whsec_"


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


def _check_secret(provider: WebhookProvider, secret: str) -> None:
    if provider != WebhookProvider.GENERIC:
        return
    try:
        raw = base64.b64decode(secret.removeprefix(GENERIC_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not secret.startswith(GENERIC_PREFIX) or not 24 <= len(raw) <= 64:
        raise invalid("/secret", "a generic secret is whsec_ followed by base64 of 24 to 64 bytes")


async def _values(
    ctx: TenantContext, data: WebhookEndpointInput, stored_secret: str | None
) -> dict[str, Any]:
    """Columns for a valid input; a missing secret is the stored one, else generated (generic only)."""
    secret = data.secret or stored_secret
    if secret is None and data.provider == WebhookProvider.SHOPIFY:
        raise invalid("/secret", "a shopify endpoint needs the app's client secret")
    secret = secret or new_generic_secret()
    _check_secret(data.provider, secret)
    if not await exists_scoped(Instance, ctx, data.instance_id):
        raise ValidationFailed(
            "unknown instance",
            errors=[FieldError("/instanceId", f"no instance with id {data.instance_id}")],
        )
    return {
        "instance_id": data.instance_id,
        "provider": data.provider,
        "topics": list(dict.fromkeys(data.topics or [])),
        "enabled": data.enabled is not False,
        "secret": secret,
    }


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = {k: v for k, v in values.items() if k != "secret"}
    columns["secret_encrypted"] = _box().encrypt({"secret": values["secret"]})
    return columns


def stored_secret(row: WebhookEndpoint) -> str:
    """The endpoint's signing secret, for the receiver's signature check."""
    return str(_box().decrypt(row.secret_encrypted)["secret"])


def previous_secret(row: WebhookEndpoint) -> tuple[str, datetime] | None:
    """The secret a PUT/PATCH replaced and until when it still verifies, if any."""
    if row.previous_secret_encrypted is None or row.previous_secret_valid_until is None:
        return None
    return str(_box().decrypt(row.previous_secret_encrypted)["secret"]), row.previous_secret_valid_until


def _input(row: WebhookEndpoint) -> dict[str, Any]:
    return {
        "instanceId": str(row.instance_id),
        "provider": row.provider,
        "topics": row.topics,
        "enabled": row.enabled,
    }


@audited("webhookEndpoint.create")
async def create(ctx: TenantContext, data: WebhookEndpointInput) -> NewEndpoint:
    values = await _values(ctx, data, None)
    with integrity_conflict("the instance was deleted meanwhile"):
        row = await WebhookEndpoint.create(tenant_id=ctx.tenant_id, **_columns(values))
    invalidate()
    return NewEndpoint(row, values["secret"])


async def get(ctx: TenantContext, id: object) -> WebhookEndpoint:
    return await get_scoped(WebhookEndpoint, ctx, id, label=LABEL)


async def list_page(
    ctx: TenantContext, page: PageRequest, filters: WebhookEndpointFilter
) -> Page[WebhookEndpoint]:
    return await paginate(scoped(WebhookEndpoint, ctx).filter(**filters.where()), page)


@audited("webhookEndpoint.update", changed)
async def replace(
    ctx: TenantContext, id: object, data: WebhookEndpointInput, expected_version: int
) -> WebhookEndpoint:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, data, expected_version)


@audited("webhookEndpoint.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: WebhookEndpointPatch, expected_version: int
) -> WebhookEndpoint:
    row = await get(ctx, id)
    check_version(row, expected_version)
    sent = patch.model_dump(by_alias=True, exclude_unset=True, mode="json")
    data = parse(WebhookEndpointInput, merge_patch(_input(row), sent))
    return await _write(ctx, row, data, expected_version)


async def _write(
    ctx: TenantContext, row: WebhookEndpoint, data: WebhookEndpointInput, version: int
) -> WebhookEndpoint:
    values = await _values(ctx, data, stored_secret(row))
    columns = _columns(values)
    if values["secret"] != stored_secret(row):
        # Deliveries signed with the replaced secret keep verifying for a while (a sender rotating).
        window = timedelta(seconds=current().settings.webhook_previous_secret_seconds)
        columns |= {
            "previous_secret_encrypted": row.secret_encrypted,
            "previous_secret_valid_until": utcnow() + window,
        }
    updated = await update_versioned(WebhookEndpoint, ctx, row.id, version, columns, label=LABEL)
    invalidate()  # the receiver's cache (other API processes: within its TTL)
    return updated


@audited("webhookEndpoint.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    await delete_versioned(WebhookEndpoint, ctx, row.id, expected_version, label=LABEL)
    invalidate()


DELIVERY_LIST_COLUMNS = (
    "id", "received_at", "topic", "external_id", "status", "sync_log_id", "processed_at", "error",
    "resolved_by_sync_log_id",
)  # fmt: skip


async def list_deliveries(
    ctx: TenantContext, endpoint_id: object, page: PageRequest, filters: WebhookDeliveryFilter
) -> Page[WebhookDelivery]:
    endpoint = await get(ctx, endpoint_id)
    # Not the payload (up to the body limit each): neither the REST view nor GraphQL lists it.
    query = scoped(WebhookDelivery, ctx).filter(endpoint_id=endpoint.id, **filters.where())
    return await paginate(query, page, order="-received_at", columns=DELIVERY_LIST_COLUMNS)


async def settle_replayed_deliveries(replay: SyncLog, origin_log_ids: Iterable[uuid.UUID]) -> int:
    """After `replay`: the deliveries of the webhook runs it replayed records of, whose every record
    is now loaded or resolved, become `processed` (see the module's docstring); returns how many."""
    settled = 0
    origins = SyncLog.filter(id__in=list(origin_log_ids), tenant_id=replay.tenant_id, trigger="webhook")
    for run in await origins.filter(failed__gt=0):
        if run.request.get("batch"):
            settled += await _settle_replayed_batch(replay, run)
            continue
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


async def _settle_replayed_batch(replay: SyncLog, run: SyncLog) -> int:
    """A micro-batched run: its deliveries with failed records are settled together, once no dead
    letter of the run is left unresolved (a dead letter does not say which delivery it came from)."""
    if await DeadLetter.filter(sync_log_id=run.id).exclude(status="resolved").exists():
        return 0
    taken = await WebhookDelivery.filter(sync_log_id=run.id).values_list("payload", flat=True)
    if run.total != sum(len(p) if isinstance(p, list) else 1 for p in taken):
        return 0  # the run stopped before it saw every record: replays cannot tell
    return await WebhookDelivery.filter(
        sync_log_id=run.id,
        status__in=("failed", "processed"),
        error__isnull=False,
        resolved_by_sync_log_id=None,
    ).update(status="processed", error=None, processed_at=utcnow(), resolved_by_sync_log_id=replay.id)
