"""`Idempotency-Key`: the same key within 24 h returns the first answer and starts nothing new.

The record is claimed before the work runs (a unique row per tenant, scope and key), so two
concurrent requests with one key cannot both start a run: the second sees the claim and waits
briefly for the first answer, or gets a 409 while the first is still being produced.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from ezy.context import TenantContext
from ezy.errors import Conflict, InvalidRequest, ValidationFailed
from ezy.idempotency.models import IdempotencyRecord
from ezy.scoping import scoped
from ezy.timefmt import utcnow

TTL = timedelta(hours=24)
IN_PROGRESS = 0
MAX_KEY_LENGTH = 200
Answer = tuple[int, Any]


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def once(
    ctx: TenantContext, scope: str, key: str | None, body: Any, produce: Callable[[], Awaitable[Answer]]
) -> Answer:
    """`produce()` the first time; the stored answer for a repeat of the same key and body."""
    if key is None:
        return await produce()
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters")
    digest = request_hash(body)
    await scoped(IdempotencyRecord, ctx).filter(scope=scope, key=key, expires_at__lte=utcnow()).delete()
    try:
        record = await IdempotencyRecord.create(
            tenant_id=ctx.tenant_id,
            scope=scope,
            key=key,
            request_hash=digest,
            status_code=IN_PROGRESS,
            response=None,
            expires_at=utcnow() + TTL,
        )
    except IntegrityError:
        return await _replay(ctx, scope, key, digest)
    try:
        status, response = await produce()
    except BaseException:
        await record.delete()  # a failed attempt may be retried with the same key
        raise
    record.status_code, record.response = status, response
    await record.save(update_fields=["status_code", "response"])
    return status, response


async def _replay(ctx: TenantContext, scope: str, key: str, digest: str) -> Answer:
    for _ in range(20):
        record = await scoped(IdempotencyRecord, ctx).get_or_none(scope=scope, key=key)
        if record is None:
            raise Conflict("the first request with this Idempotency-Key failed; retry it")
        if record.request_hash != digest:
            raise ValidationFailed("this Idempotency-Key was used with a different request body")
        if record.status_code != IN_PROGRESS:
            return record.status_code, record.response
        await asyncio.sleep(0.05)
    raise Conflict("a request with this Idempotency-Key is still in progress")
