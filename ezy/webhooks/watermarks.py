"""Stale Shopify deliveries: one older than what the target already has is skipped, not applied.

Shopify does not promise order: a retried `products/update` can arrive after a newer one. A Shopify
delivery whose body is an object with an `id` and an `updated_at` (products, orders, customers,
...) is about the entity `<resource>:<id>`, the resource being its topic's first part (`products`
for `products/create` and `products/update` alike). A micro-batch (see `batches`) sorts its
deliveries out before the stages run, in received order: a delivery whose `updated_at` is older than
the newest one already applied for its entity of the same instance, or than a delivery before it in
the batch, is settled `skipped` ("skipped: stale ...") and its record counted as skipped by the run;
an equal `updated_at` is applied. Other deliveries (generic ones, bodies without `id` or a readable
`updated_at`, such as `products/delete`) are always applied.

Where the state lives: `webhook_entity_watermarks`, one row per (instance, entity key) holding the
newest `updated_at` applied and the delivery that applied it. The row moves forward in the
transaction that settles the micro-batch (`DbJournal.commit_unit`), with the deliveries' statuses
and the run's counts, so a batch taken again after a crash neither skips what it never applied nor
applies twice. It moves only for deliveries that ended `processed`: a newer delivery whose record
failed (it is in the dead-letter queue) does not make a later, older one stale; within one batch,
though, an older delivery behind a newer one is skipped even if the newer one then fails. Runs of
one instance hold its lock, so reading the rows before the stages and writing them after is safe.
Replays from the dead-letter queue are not checked. Rows go with their instance.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ezy.webhooks.models import WebhookDelivery, WebhookEntityWatermark

MAX_KEY = 255
STALE = "skipped: stale: its updated_at is older than the newest already applied for this entity"


@dataclass
class Sorted:
    """A micro-batch's verdict: which deliveries are stale, and the newest applied per entity."""

    instance_id: uuid.UUID
    tenant_id: uuid.UUID
    stale: set[int] = field(default_factory=set)  # indexes in the batch
    stamps: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # index -> (entity, updated_at)
    stored: dict[str, WebhookEntityWatermark] = field(default_factory=dict)


def entity_of(delivery: WebhookDelivery) -> tuple[str, datetime] | None:
    """(entity key, updated_at) of a Shopify delivery the rule applies to, else None (only Shopify
    deliveries have a topic)."""
    payload, topic = delivery.payload, delivery.topic
    if not topic or not isinstance(payload, dict):
        return None
    entity_id, stamp = payload.get("id"), payload.get("updated_at")
    if isinstance(entity_id, bool) or not isinstance(entity_id, int | str) or not isinstance(stamp, str):
        return None
    key = f"{topic.split('/', 1)[0]}:{entity_id}"
    updated_at = _parse(stamp)
    if updated_at is None or not entity_id or len(key) > MAX_KEY:
        return None
    return key, updated_at


def _parse(stamp: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(stamp.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # no offset: UTC


async def sort_out(instance_id: uuid.UUID, tenant_id: uuid.UUID, batch: Sequence[WebhookDelivery]) -> Sorted:
    """Marks the batch's stale deliveries (in received order; an equal `updated_at` applies)."""
    verdict = Sorted(instance_id, tenant_id)
    for i, delivery in enumerate(batch):
        if (found := entity_of(delivery)) is not None:
            verdict.stamps[i] = found
    if not verdict.stamps:
        return verdict
    keys = list({key for key, _ in verdict.stamps.values()})
    rows = await WebhookEntityWatermark.filter(instance_id=instance_id, entity_key__in=keys)
    verdict.stored = {row.entity_key: row for row in rows}
    newest = {key: _aware(row.source_updated_at) for key, row in verdict.stored.items()}
    for i, (key, updated_at) in verdict.stamps.items():  # dicts keep insertion (received) order
        if key in newest and updated_at < newest[key]:
            verdict.stale.add(i)
        else:
            newest[key] = updated_at
    return verdict


async def advance(verdict: Sorted, batch: Sequence[WebhookDelivery], applied: set[int]) -> None:
    """Moves each entity's row to the newest `updated_at` of the deliveries that were `applied`.
    Inside the transaction that settles the batch."""
    best: dict[str, tuple[datetime, uuid.UUID]] = {}
    for i, (key, updated_at) in verdict.stamps.items():
        if i in applied and (key not in best or updated_at >= best[key][0]):
            best[key] = (updated_at, batch[i].id)
    fresh: list[WebhookEntityWatermark] = []
    moved: list[WebhookEntityWatermark] = []
    for key, (updated_at, delivery_id) in best.items():
        row = verdict.stored.get(key)
        if row is None:
            fresh.append(
                WebhookEntityWatermark(
                    tenant_id=verdict.tenant_id,
                    instance_id=verdict.instance_id,
                    entity_key=key,
                    source_updated_at=updated_at,
                    delivery_id=delivery_id,
                )
            )
        elif updated_at >= _aware(row.source_updated_at):
            row.source_updated_at, row.delivery_id = updated_at, delivery_id
            moved.append(row)
    if fresh:
        await WebhookEntityWatermark.bulk_create(fresh, batch_size=500)
    if moved:
        await WebhookEntityWatermark.bulk_update(
            moved, fields=["source_updated_at", "delivery_id"], batch_size=500
        )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
