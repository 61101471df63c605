"""API keys: random, shown once, stored as a prefix plus a SHA-256, compared in constant time.

SHA-256 (not a slow password hash) is the right tool here: a key carries 256 bits of randomness, so
there is nothing to brute-force, and authentication stays one indexed lookup plus one hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q

from ezy.audit.hooks import audited, key_issued
from ezy.context import TenantContext
from ezy.errors import Conflict, invalid
from ezy.pagination import Page, PageRequest, paginate
from ezy.scoping import get_scoped, scoped
from ezy.tenants.models import ApiKey, Tenant
from ezy.timefmt import rfc3339, utcnow
from ezy.webhooks.cache import invalidate as invalidate_webhook_cache

KEY_PREFIX = "ezy_"
# `last_used_at` is written at most this often per key, so authentication is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_GRACE_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(6)  # 48 bits: an index, not a secret
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def split_prefix(raw: str) -> str | None:
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, rest = raw.removeprefix(KEY_PREFIX).partition("_")
    return prefix if sep and rest and len(prefix) == 12 else None


async def create_tenant(name: str, *, origin: str = "system") -> tuple[Tenant, IssuedKey]:
    name = name.strip()
    if not name or len(name) > 200:
        raise invalid("/name", "name must be 1 to 200 characters")
    if await Tenant.filter(name=name).exists():
        raise Conflict(f"a tenant named {name!r} exists")
    tenant = await Tenant.create(name=name)
    issued = await create_key(TenantContext(tenant.id, origin=origin), "default")
    return tenant, issued


@audited("apiKey.create", key_issued)
async def create_key(ctx: TenantContext, name: str, expires_at: datetime | None = None) -> IssuedKey:
    if expires_at is not None and expires_at <= utcnow():
        raise invalid("/expiresAt", "expiresAt must be in the future")
    prefix, raw = _new_secret()
    key = await ApiKey.create(
        tenant_id=ctx.tenant_id, name=name, prefix=prefix, key_hash=_hash(raw), expires_at=expires_at
    )
    return IssuedKey(key, raw)


async def list_keys(ctx: TenantContext, page: PageRequest) -> Page[ApiKey]:
    return await paginate(scoped(ApiKey, ctx), page)


async def get_key(ctx: TenantContext, key_id: object) -> ApiKey:
    return await get_scoped(ApiKey, ctx, key_id, label="API key")


@audited("apiKey.revoke", key_issued)
async def revoke_key(ctx: TenantContext, key_id: object) -> ApiKey:
    key = await get_key(ctx, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await key.save(update_fields=["revoked_at"])
        invalidate_webhook_cache()  # the webhook receiver caches keys for a few seconds
    return key


@audited("apiKey.rotate", key_issued)
async def rotate_key(ctx: TenantContext, key_id: object, grace_period_seconds: int = 0) -> IssuedKey:
    """New secret on the same key; the old one keeps working for the grace period only."""
    if not 0 <= grace_period_seconds <= MAX_GRACE_PERIOD.total_seconds():
        raise invalid("/gracePeriodSeconds", f"must be 0 to {int(MAX_GRACE_PERIOD.total_seconds())}")
    key = await get_key(ctx, key_id)
    if key.revoked_at is not None:
        raise Conflict("a revoked key cannot be rotated")
    prefix, raw = _new_secret()
    if grace_period_seconds:
        key.previous_prefix, key.previous_key_hash = key.prefix, key.key_hash
        key.previous_valid_until = utcnow() + timedelta(seconds=grace_period_seconds)
    else:
        key.previous_prefix = key.previous_key_hash = key.previous_valid_until = None
    key.prefix, key.key_hash = prefix, _hash(raw)
    await key.save()
    invalidate_webhook_cache()
    return IssuedKey(key, raw)


async def authenticate(raw: str) -> TenantContext | None:
    """The tenant a raw key belongs to, or None for anything not currently valid."""
    prefix = split_prefix(raw)
    if prefix is None:
        return None
    key = await ApiKey.filter(Q(prefix=prefix) | Q(previous_prefix=prefix)).first()
    if key is None:
        return None
    now = utcnow()
    if key.prefix == prefix:
        stored = key.key_hash
    elif key.previous_valid_until is not None and key.previous_valid_until > now:
        stored = key.previous_key_hash or ""
    else:
        return None
    if not hmac.compare_digest(stored, _hash(raw)):
        return None
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    return TenantContext(key.tenant_id, key.id, f"{KEY_PREFIX}{prefix}")


def key_view(key: ApiKey) -> dict[str, object]:
    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": f"{KEY_PREFIX}{key.prefix}",
        "createdAt": rfc3339(key.created_at),
        "expiresAt": rfc3339(key.expires_at),
        "lastUsedAt": rfc3339(key.last_used_at),
        "revokedAt": rfc3339(key.revoked_at),
    }
