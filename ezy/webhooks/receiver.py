"""The webhook receiver: authenticate, store the delivery, answer; runs take stored deliveries later.

    receive(endpoint_id, body, headers) -> Received(provider, delivery_id, status)
      NotFound          unknown or malformed endpoint id                       (404)
      Unauthenticated   bad or missing signature / key: nothing stored         (401)
      InvalidRequest    not JSON (see `ezy.jsonsafe`), bad gzip, an over-long topic / id: nothing stored (400)
      PayloadTooLarge   a gzip body that inflates past EZY_MAX_BODY_BYTES         (413)
      UnsupportedMediaType  a Content-Encoding other than gzip                     (415)
      ValidationFailed  JSON that is neither an object nor an array of objects,
                        or holds a value nothing can store (NUL, lone surrogate): nothing stored (422)

A delivery is one of: `accepted` (a run will take it: see `pickup` and `batches`), `duplicate` (its
external id was accepted before: stored, not processed), `skipped` (disabled endpoint, inactive
instance, or a Shopify topic outside the endpoint's topics). The fast path: the endpoint, its
instance's state, its secret and the caller's API key come from a short-lived cache (`cache`,
refreshed in the background before it expires); the delivery is committed together with those of
concurrent requests (`store`, group commit) before the answer; the run is asked for in the
background (`pickup.notify`), so neither Redis nor a worker can hold up the answer, and the
scheduler's sweep picks up what the background call could not queue.

Dedup is race-free: the first delivery of an external id (Shopify: of an `X-Shopify-Event-Id` and
topic when the header is there, see `_dedup_key`) takes the unique `dedup_key`; a concurrent or later
repeat does not get it and is stored as `duplicate` without the key. Skipped deliveries do not
take the key: a repeat that arrives once the endpoint is enabled again is processed.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ezy import jsonsafe, queue
from ezy.errors import (
    FieldError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
)
from ezy.instances.models import Instance
from ezy.pipeline.records import RunFailed
from ezy.runs.models import SyncLog
from ezy.runs.service import TERMINAL, RunRequest, start_run
from ezy.runtime import current
from ezy.scoping import parse_id
from ezy.tenants.keys import authenticate
from ezy.timefmt import utcnow
from ezy.webhooks import batches, pickup, signatures
from ezy.webhooks.cache import TtlCache, new_cache
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from ezy.webhooks.service import previous_secret, stored_secret
from ezy.webhooks.store import NewDelivery, store

log = logging.getLogger("ezy.webhooks")
MAX_TOPIC, MAX_EXTERNAL_ID = 120, 200
# Deliveries still `accepted` this long after arrival are looked at by `requeue_accepted_deliveries`.
STUCK_AFTER = timedelta(minutes=2)
REQUEUE_BATCH = 500


@dataclass(frozen=True)
class Received:
    provider: str
    delivery_id: uuid.UUID
    status: str


@dataclass(frozen=True)
class _Endpoint:
    row: WebhookEndpoint
    instance_active: bool
    secret: str
    previous: tuple[str, datetime] | None  # a replaced secret and until when it still verifies

    def secrets(self) -> list[str]:
        """The secrets a signature may be made with now: the current one, then the previous one."""
        if self.previous is None or self.previous[1] <= utcnow():
            return [self.secret]
        return [self.secret, self.previous[0]]


_endpoints: TtlCache[_Endpoint] = new_cache()
_keys: TtlCache[uuid.UUID] = new_cache()  # SHA-256 of a raw API key -> its tenant


async def receive(endpoint_id: str, body: bytes, headers: Mapping[str, str]) -> Received:
    """`headers` are looked up by lower-case name (Starlette's `Headers`, or a lower-case dict)."""
    received_at = utcnow()
    endpoint = await _endpoint(endpoint_id)
    body = _decoded(body, headers.get("content-encoding"))
    await _authenticate(endpoint, body, headers)
    provider = endpoint.row.provider
    payload = _parse(provider, body)
    event_id = None
    if provider == "shopify":
        topic, external_id = headers.get("x-shopify-topic"), headers.get("x-shopify-webhook-id")
        event_id = headers.get("x-shopify-event-id") or None
    else:
        topic, external_id = None, headers.get("webhook-id")
    _check_length("X-Shopify-Topic", topic, MAX_TOPIC)
    _check_length("webhook id", external_id, MAX_EXTERNAL_ID)
    _check_length("X-Shopify-Event-Id", event_id, MAX_EXTERNAL_ID)
    dedup_key = _dedup_key(endpoint.row.id, topic, external_id or None, event_id)
    delivery = await _store(endpoint, payload, topic, external_id or None, dedup_key, received_at)
    if delivery.status == "accepted":
        pickup.notify(endpoint.row.tenant_id, endpoint.row.instance_id)
    return Received(provider, delivery.id, delivery.status)


async def _endpoint(endpoint_id: str) -> _Endpoint:
    parsed = parse_id(endpoint_id)
    found = await _endpoints.get_or_load(str(parsed), lambda: _load_endpoint(parsed)) if parsed else None
    if found is None:
        raise NotFound("no such webhook endpoint")
    return found


async def _load_endpoint(endpoint_id: uuid.UUID) -> _Endpoint | None:
    row = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if row is None:
        return None
    instance = await Instance.get_or_none(id=row.instance_id, tenant_id=row.tenant_id)
    active = instance is not None and instance.status == "active"
    return _Endpoint(row, active, stored_secret(row), previous_secret(row))


async def _tenant_of_key(raw: str) -> uuid.UUID | None:
    async def load() -> uuid.UUID | None:
        ctx = await authenticate(raw, fresh=True)  # this cache's entry lives TTL from the read
        return ctx.tenant_id if ctx is not None else None

    return await _keys.get_or_load(hashlib.sha256(raw.encode()).hexdigest(), load)


async def _authenticate(endpoint: _Endpoint, body: bytes, headers: Mapping[str, str]) -> None:
    scheme, _, key = headers.get("authorization", "").strip().partition(" ")
    if endpoint.row.provider == "generic" and scheme.lower() == "apikey" and key.strip():
        if await _tenant_of_key(key.strip()) != endpoint.row.tenant_id:
            raise Unauthenticated("the API key is unknown, expired, revoked or of another tenant")
        return
    failure: signatures.InvalidSignature | None = None
    for secret in endpoint.secrets():
        try:
            _verify(endpoint.row.provider, secret, body, headers)
            return
        except signatures.InvalidSignature as exc:
            failure = failure or exc  # the reason given is the current secret's
    assert failure is not None
    raise Unauthenticated(failure.reason) from None


def _verify(provider: str, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    if provider == "shopify":
        signatures.verify_shopify(secret, body, headers.get("x-shopify-hmac-sha256"))
        return
    signatures.verify_standard(
        secret,
        body,
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
    )


def _parse(provider: str, body: bytes) -> Any:
    payload = jsonsafe.loads(body)  # 400 malformed, 422 with a pointer for a value nothing can store
    if isinstance(payload, dict):
        return payload
    if provider == "generic" and isinstance(payload, list):
        bad = [
            FieldError(f"/{i}", "expected an object")
            for i, record in enumerate(payload)
            if not isinstance(record, dict)
        ]
        if bad:
            raise ValidationFailed("every record must be a JSON object", errors=bad[:20])
        return payload
    expected = "an object or an array of objects" if provider == "generic" else "an object"
    raise ValidationFailed(f"the body must be {expected}", errors=[FieldError("", f"expected {expected}")])


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The body a sender compressed (`Content-Encoding: gzip`), bounded like any other body: signatures
    are over the JSON as sent before compression."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedMediaType(f"unsupported Content-Encoding {encoding!r}: use gzip or none")
    limit = current().settings.max_body_bytes
    inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header and trailer
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise InvalidRequest("the body is not valid gzip") from None
    if len(inflated) > limit:
        raise PayloadTooLarge(f"the decompressed body exceeds {limit} bytes")
    if not inflater.eof:
        raise InvalidRequest("the gzip body is truncated")
    return inflated


def _dedup_key(
    endpoint_id: uuid.UUID, topic: str | None, external_id: str | None, event_id: str | None
) -> str | None:
    """Shopify sends one event again under a new `X-Shopify-Webhook-Id` (a second subscription, a
    re-sent event) but always with its `X-Shopify-Event-Id`: when present, that (with the topic) is
    the key, which also covers retries of one webhook id (they carry the same event id)."""
    if event_id:
        digest = hashlib.sha256(f"{topic or ''}\n{event_id}".encode()).hexdigest()
        return f"{endpoint_id}:event:{digest}"
    return f"{endpoint_id}:{external_id}" if external_id else None


def _check_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidRequest(f"the {name} is longer than {limit} characters")


def _skip_reason(endpoint: _Endpoint, topic: str | None) -> str | None:
    row = endpoint.row
    if not row.enabled:
        return "the endpoint is disabled"
    if not endpoint.instance_active:
        return "the instance is inactive"
    if row.provider == "shopify" and row.topics and topic not in row.topics:
        return f"the topic {topic!r} is not subscribed" if topic else "no X-Shopify-Topic header"
    return None


async def _store(
    endpoint: _Endpoint,
    payload: Any,
    topic: str | None,
    external_id: str | None,
    dedup_key: str | None,
    received_at: datetime,
) -> NewDelivery:
    """Commits the delivery (with those of concurrent requests): accepted, duplicate or skipped."""
    row = NewDelivery(
        uuid.uuid4(),
        endpoint.row.tenant_id,
        endpoint.row.id,
        received_at,
        topic,
        external_id,
        payload,
        "accepted",
    )
    reason = _skip_reason(endpoint, topic)
    if reason is not None:
        row.status, row.error = "skipped", f"skipped: {reason}"
    else:
        row.dedup_key = dedup_key
    return await store(row)


async def _start(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> bool:
    """Starts the one-delivery run of a delivery stored before micro-batches (it carries the run id)."""
    try:
        await start_run(
            endpoint.tenant_id,
            endpoint.instance_id,
            RunRequest("webhook", details={"deliveryId": str(delivery.id)}),
            log_id=delivery.sync_log_id,
        )
    except Exception as exc:  # stored already: `requeue_accepted_deliveries` starts it later
        log.warning("delivery %s stored but its run was not enqueued: %s", delivery.id, type(exc).__name__)
        return False
    return True


async def delivery_records(run: SyncLog) -> list[Any]:
    """The records of a one-delivery webhook run (from before micro-batches): its delivery's payload."""
    delivery = await WebhookDelivery.get_or_none(id=run.request.get("deliveryId"), tenant_id=run.tenant_id)
    if delivery is None:
        raise RunFailed("the webhook delivery of this run no longer exists")
    payload = delivery.payload
    return list(payload) if isinstance(payload, list) else [payload]


async def settle_delivery(run: SyncLog, status: str, error: str | None) -> None:
    """A webhook run ended with `status`: its delivery becomes `processed` or `failed`."""
    if batches.is_batch(run):
        await batches.settle_unsettled(run, status, error)
        return
    delivery_id = run.request.get("deliveryId")
    if run.trigger != "webhook" or not delivery_id:
        return
    accepted = WebhookDelivery.filter(id=delivery_id, tenant_id=run.tenant_id, status="accepted")
    if status in ("succeeded", "partial"):
        await accepted.update(status="processed", processed_at=utcnow(), sync_log_id=run.id, error=error)
    else:
        await accepted.update(status="failed", sync_log_id=run.id, error=error or f"the run was {status}")


async def requeue_accepted_deliveries(older_than: timedelta = STUCK_AFTER) -> int:
    """Restarts deliveries left `accepted` by a run that lost its job; returns how many.

    Deliveries not yet taken by a run are `pickup.drain_waiting`'s.

    Safe to call from any number of schedulers: a run is created with the id the delivery carries (a
    second create fails), and arq does not enqueue a job id it already holds. A delivery whose run has
    ended but was not settled (a crash in between) is settled here.
    """
    cutoff = utcnow() - older_than
    left = WebhookDelivery.filter(status="accepted", received_at__lt=cutoff, sync_log_id__isnull=False)
    stuck = await left.limit(REQUEUE_BATCH)
    count = 0
    for delivery in stuck:
        try:
            count += await _requeue(delivery)
        except Exception as exc:  # one bad row must not stop the others
            log.warning("could not requeue delivery %s: %s", delivery.id, type(exc).__name__)
    return count


async def _requeue(delivery: WebhookDelivery) -> bool:
    run = await SyncLog.get_or_none(id=delivery.sync_log_id) if delivery.sync_log_id else None
    if run is None:
        return await _start(await WebhookEndpoint.get(id=delivery.endpoint_id), delivery)
    if run.status in TERMINAL:
        await settle_delivery(run, run.status, run.error)
        return False
    if run.status == "queued":
        return await queue.enqueue_run(current().pool, str(run.id), str(run.correlation_id))
    return False
