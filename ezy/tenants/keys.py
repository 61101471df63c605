"""API keys: random, shown once, stored as a prefix plus a SHA-256, compared in constant time.

SHA-256 (not a slow password hash) is the right tool here: a key carries 256 bits of randomness, so
there is nothing to brute-force, and authentication stays one indexed lookup plus one hash.

A key that authenticated is remembered in this process for `CACHE_TTL` (by its hash, never the raw
secret), so a busy client costs no database round trip per request. Revoking or rotating through this
process forgets the key at once; another process notices within `CACHE_TTL`. Expiry and the end of a
rotation's grace period are checked on every request, cached or not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from tortoise.expressions import Q

from ezy.audit.hooks import audited, key_issued
from ezy.context import TenantContext
from ezy.errors import Conflict, invalid
from ezy.pagination import Page, PageRequest, paginate
from ezy.scoping import get_scoped, scoped
from ezy.tenants.contracts import ApiKeyInput, ApiKeyRotation, ApiKeyView, ApiKeyWithSecret
from ezy.tenants.models import ApiKey, Tenant
from ezy.timefmt import utcnow
from ezy.webhooks.cache import invalidate as invalidate_webhook_cache

KEY_PREFIX = "ezy_"
# `last_used_at` is written at most this often per key, so authentication is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
V = TypeVar("V", bound=ApiKeyView)
# How long another process may still accept a key revoked or rotated elsewhere.
CACHE_TTL = 5.0
CACHE_MAX_ENTRIES = 10_000


@dataclass
class _Cached:
    ctx: TenantContext
    # The end of this secret's validity: the key's expiry, or the end of a rotation's grace period.
    valid_until: datetime | None
    last_used_at: datetime | None
    cached_until: float


# hash of a raw secret -> what authenticating it answered; only valid keys are kept.
_cache: dict[str, _Cached] = {}


def forget_key(key_id: uuid.UUID) -> None:
    """Drop every cached secret (current and previous) of this key: after revoke and rotate."""
    for digest in [d for d, entry in _cache.items() if entry.ctx.api_key_id == key_id]:
        _cache.pop(digest, None)


def _remember(digest: str, entry: _Cached) -> None:
    if len(_cache) >= CACHE_MAX_ENTRIES:
        _cache.pop(next(iter(_cache)))  # the oldest insertion
    _cache[digest] = entry


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
    issued = await create_key(TenantContext(tenant.id, origin=origin), ApiKeyInput(name="default"))
    return tenant, issued


@audited("apiKey.create", key_issued)
async def create_key(ctx: TenantContext, data: ApiKeyInput) -> IssuedKey:
    prefix, raw = _new_secret()
    key = await ApiKey.create(
        tenant_id=ctx.tenant_id,
        name=data.name,
        prefix=prefix,
        key_hash=_hash(raw),
        expires_at=data.expires_at,
    )
    return IssuedKey(key, raw)


# What a listed key shows (`view`): never its hashes.
LIST_COLUMNS = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")


async def list_keys(ctx: TenantContext, page: PageRequest) -> Page[ApiKey]:
    return await paginate(scoped(ApiKey, ctx), page, columns=LIST_COLUMNS)


async def get_key(ctx: TenantContext, key_id: object) -> ApiKey:
    return await get_scoped(ApiKey, ctx, key_id, label="API key")


@audited("apiKey.revoke", key_issued)
async def revoke_key(ctx: TenantContext, key_id: object) -> ApiKey:
    key = await get_key(ctx, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await key.save(update_fields=["revoked_at"])
    forget_key(key.id)
    invalidate_webhook_cache()  # the webhook receiver caches keys for a few seconds
    return key


@audited("apiKey.rotate", key_issued)
async def rotate_key(ctx: TenantContext, key_id: object, rotation: ApiKeyRotation) -> IssuedKey:
    """New secret on the same key; the old one keeps working for the grace period only."""
    key = await get_key(ctx, key_id)
    if key.revoked_at is not None:
        raise Conflict("a revoked key cannot be rotated")
    prefix, raw = _new_secret()
    if rotation.grace_period:
        key.previous_prefix, key.previous_key_hash = key.prefix, key.key_hash
        key.previous_valid_until = utcnow() + rotation.grace_period
    else:
        key.previous_prefix = key.previous_key_hash = key.previous_valid_until = None
    key.prefix, key.key_hash = prefix, _hash(raw)
    await key.save()
    forget_key(key.id)
    invalidate_webhook_cache()
    return IssuedKey(key, raw)


async def authenticate(raw: str, *, fresh: bool = False) -> TenantContext | None:
    """The tenant a raw key belongs to, or None for anything not currently valid.

    `fresh`: look the key up in the database even when remembered (a cache of the caller's own
    refreshing itself, whose entries must not outlive `CACHE_TTL` from the database read)."""
    prefix = split_prefix(raw)
    if prefix is None:
        return None
    digest = _hash(raw)
    now = utcnow()
    entry = _cache.get(digest)
    if fresh or entry is None or entry.cached_until <= time.monotonic():
        _cache.pop(digest, None)
        entry = await _lookup(prefix, digest, now)
        if entry is None:
            return None
        _remember(digest, entry)
    if entry.valid_until is not None and entry.valid_until <= now:
        _cache.pop(digest, None)
        return None
    if entry.last_used_at is None or now - entry.last_used_at >= LAST_USED_RESOLUTION:
        entry.last_used_at = now  # before the await: concurrent requests do not write it again
        await ApiKey.filter(id=entry.ctx.api_key_id).update(last_used_at=now)
    return entry.ctx


async def _lookup(prefix: str, digest: str, now: datetime) -> _Cached | None:
    key = await ApiKey.filter(Q(prefix=prefix) | Q(previous_prefix=prefix)).first()
    if key is None:
        return None
    valid_until = key.expires_at
    if key.prefix == prefix:
        stored = key.key_hash
    elif key.previous_valid_until is not None and key.previous_valid_until > now:
        stored = key.previous_key_hash or ""
        valid_until = min(key.previous_valid_until, valid_until or key.previous_valid_until)
    else:
        return None
    if not hmac.compare_digest(stored, digest):
        return None
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    return _Cached(
        TenantContext(key.tenant_id, key.id, f"{KEY_PREFIX}{prefix}"),
        valid_until,
        key.last_used_at,
        time.monotonic() + CACHE_TTL,
    )


def view(key: ApiKey, model: type[V] = ApiKeyView) -> V:  # type: ignore[assignment]
    """The key as answered: its public prefix, never a hash; `model` is a subclass (GraphQL's)."""
    return model.model_validate(
        {
            "id": key.id,
            "name": key.name,
            "prefix": f"{KEY_PREFIX}{key.prefix}",
            "created_at": key.created_at,
            "expires_at": key.expires_at,
            "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at,
        }
    )


def issued_view(issued: IssuedKey) -> ApiKeyWithSecret:
    """The create and rotate answer: the key and its secret, shown this once."""
    return ApiKeyWithSecret.model_validate({**dict(view(issued.key)), "key": issued.secret})
