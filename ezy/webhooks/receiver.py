"""The webhook receiver: authenticate, store the delivery, then start the run that processes it.

    receive(endpoint_id, body, headers) -> Received(provider, delivery_id, status)
      NotFound          unknown or malformed endpoint id                       (404)
      Unauthenticated   bad or missing signature / key: nothing stored         (401)
      InvalidRequest    not JSON (see `ezy.jsonsafe`), or an over-long topic / id: nothing stored (400)
      ValidationFailed  JSON that is neither an object nor an array of objects,
                        or holds a value nothing can store (NUL, lone surrogate): nothing stored (422)

A delivery is one of: `accepted` (a run was started, or will be: see `requeue_accepted_deliveries`),
`duplicate` (its external id was accepted before: stored, not processed), `skipped` (disabled endpoint,
inactive instance, or a Shopify topic outside the endpoint's topics). The delivery row is committed
before the run is started, so a Redis or worker crash after the answer loses nothing. The run reads its
records from the delivery (`delivery_records`) and settles it when it ends (`settle_delivery`):
`processed` or `failed`.

Dedup is race-free: the first delivery of an external id takes the unique `dedup_key`; a concurrent or
later repeat fails that insert and is stored as `duplicate` without the key. Skipped deliveries do not
take the key: a repeat that arrives once the endpoint is enabled again is processed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from ezy import jsonsafe, queue
from ezy.errors import FieldError, InvalidRequest, NotFound, Unauthenticated, ValidationFailed
from ezy.instances.models import Instance
from ezy.pipeline.records import RunFailed
from ezy.runs.models import SyncLog
from ezy.runs.service import TERMINAL, RunRequest, start_run
from ezy.runtime import current
from ezy.scoping import parse_id
from ezy.tenants.keys import authenticate
from ezy.timefmt import utcnow
from ezy.webhooks import signatures
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from ezy.webhooks.service import stored_secret

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


async def receive(endpoint_id: str, body: bytes, headers: Mapping[str, str]) -> Received:
    """`headers` are looked up by lower-case name (Starlette's `Headers`, or a lower-case dict)."""
    endpoint = await _endpoint(endpoint_id)
    await _authenticate(endpoint, body, headers)
    payload = _parse(endpoint.provider, body)
    if endpoint.provider == "shopify":
        topic, external_id = headers.get("x-shopify-topic"), headers.get("x-shopify-webhook-id")
    else:
        topic, external_id = None, headers.get("webhook-id")
    _check_length("X-Shopify-Topic", topic, MAX_TOPIC)
    _check_length("webhook id", external_id, MAX_EXTERNAL_ID)
    delivery = await _store(endpoint, payload, topic, external_id or None)
    if delivery.status == "accepted":
        await _start(endpoint, delivery)
    return Received(endpoint.provider, delivery.id, delivery.status)


async def _endpoint(endpoint_id: str) -> WebhookEndpoint:
    parsed = parse_id(endpoint_id)
    endpoint = await WebhookEndpoint.get_or_none(id=parsed) if parsed else None
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def _authenticate(endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]) -> None:
    try:
        if endpoint.provider == "shopify":
            signatures.verify_shopify(stored_secret(endpoint), body, headers.get("x-shopify-hmac-sha256"))
            return
        scheme, _, key = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "apikey" and key.strip():
            ctx = await authenticate(key.strip())
            if ctx is None or ctx.tenant_id != endpoint.tenant_id:
                raise Unauthenticated("the API key is unknown, expired, revoked or of another tenant")
            return
        signatures.verify_standard(
            stored_secret(endpoint),
            body,
            headers.get("webhook-id"),
            headers.get("webhook-timestamp"),
            headers.get("webhook-signature"),
        )
    except signatures.InvalidSignature as exc:
        raise Unauthenticated(exc.reason) from None


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


def _check_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidRequest(f"the {name} is longer than {limit} characters")


async def _skip_reason(endpoint: WebhookEndpoint, topic: str | None) -> str | None:
    if not endpoint.enabled:
        return "the endpoint is disabled"
    instance = await Instance.get_or_none(id=endpoint.instance_id, tenant_id=endpoint.tenant_id)
    if instance is None or instance.status != "active":
        return "the instance is inactive"
    if endpoint.provider == "shopify" and endpoint.topics and topic not in endpoint.topics:
        return f"the topic {topic!r} is not subscribed" if topic else "no X-Shopify-Topic header"
    return None


async def _store(
    endpoint: WebhookEndpoint, payload: Any, topic: str | None, external_id: str | None
) -> WebhookDelivery:
    """Commits the delivery; an accepted one already carries the id its run will have."""
    columns: dict[str, Any] = {"tenant_id": endpoint.tenant_id, "endpoint_id": endpoint.id, "topic": topic}
    columns |= {"external_id": external_id, "payload": payload}
    reason = await _skip_reason(endpoint, topic)
    if reason is not None:
        return await WebhookDelivery.create(**columns, status="skipped", error=f"skipped: {reason}")
    dedup_key = f"{endpoint.id}:{external_id}" if external_id else None
    try:
        return await WebhookDelivery.create(
            **columns, status="accepted", dedup_key=dedup_key, sync_log_id=uuid.uuid4()
        )
    except IntegrityError:
        if dedup_key is None:
            raise
    first = await WebhookDelivery.get_or_none(dedup_key=dedup_key)
    error = f"duplicate of delivery {first.id}" if first else "duplicate"
    return await WebhookDelivery.create(**columns, status="duplicate", error=error)


async def _start(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> bool:
    """Starts the run; if Redis is down the delivery stays `accepted` and the sender still gets success."""
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
    """The records a webhook run processes: its delivery's payload (an object is one record)."""
    delivery = await WebhookDelivery.get_or_none(id=run.request.get("deliveryId"), tenant_id=run.tenant_id)
    if delivery is None:
        raise RunFailed("the webhook delivery of this run no longer exists")
    payload = delivery.payload
    return list(payload) if isinstance(payload, list) else [payload]


async def settle_delivery(run: SyncLog, status: str, error: str | None) -> None:
    """A webhook run ended with `status`: its delivery becomes `processed` or `failed`."""
    delivery_id = run.request.get("deliveryId")
    if run.trigger != "webhook" or not delivery_id:
        return
    accepted = WebhookDelivery.filter(id=delivery_id, tenant_id=run.tenant_id, status="accepted")
    if status in ("succeeded", "partial"):
        await accepted.update(status="processed", processed_at=utcnow(), sync_log_id=run.id, error=error)
    else:
        await accepted.update(status="failed", sync_log_id=run.id, error=error or f"the run was {status}")


async def requeue_accepted_deliveries(older_than: timedelta = STUCK_AFTER) -> int:
    """Restarts deliveries left `accepted` (Redis down at arrival, or a lost job); returns how many.

    Safe to call from any number of schedulers: a run is created with the id the delivery carries (a
    second create fails), and arq does not enqueue a job id it already holds. A delivery whose run has
    ended but was not settled (a crash in between) is settled here.
    """
    cutoff = utcnow() - older_than
    stuck = await WebhookDelivery.filter(status="accepted", received_at__lt=cutoff).limit(REQUEUE_BATCH)
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
        endpoint = await WebhookEndpoint.get(id=delivery.endpoint_id)
        if delivery.sync_log_id is None:
            delivery.sync_log_id = uuid.uuid4()
            await delivery.save(update_fields=["sync_log_id"])
        return await _start(endpoint, delivery)
    if run.status in TERMINAL:
        await settle_delivery(run, run.status, run.error)
        return False
    if run.status == "queued":
        return await queue.enqueue_run(current().pool, str(run.id), str(run.correlation_id))
    return False
