"""Retention of delivery bodies: a settled delivery keeps its body `EZY_WEBHOOK_BODY_RETENTION_DAYS`
(default 30; 0 keeps bodies forever), then the body is dropped and the row (status, ids, run, error)
stays in the deliveries log.

Only deliveries that are done with are pruned: `processed` without an error, `duplicate`, `skipped`.
An `accepted` one still has to run, and one whose records failed keeps its body until replays resolve
them (`settle_replayed_deliveries` counts its records). The duty runs in every scheduler; it is safe
with several: each pass nulls at most `PRUNE_BATCH` bodies per statement, chosen again each time,
and nulling a body twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.expressions import Q

from ezy.runtime import current
from ezy.timefmt import utcnow
from ezy.webhooks.models import WebhookDelivery

PRUNE_BATCH = 1000
MAX_BATCHES_PER_PASS = 20  # a pass is bounded; the next one (15 s later) goes on


async def prune_bodies(retention: timedelta | None = None) -> int:
    """Drops the bodies of deliveries settled longer ago than `retention`; returns how many."""
    if retention is None:
        days = current().settings.webhook_body_retention_days
        if days <= 0:
            return 0
        retention = timedelta(days=days)
    done = Q(status__in=("duplicate", "skipped")) | Q(status="processed", error__isnull=True)
    expired = WebhookDelivery.filter(done, received_at__lt=utcnow() - retention, payload__isnull=False)
    pruned = 0
    for _ in range(MAX_BATCHES_PER_PASS):
        ids = await expired.limit(PRUNE_BATCH).values_list("id", flat=True)
        if not ids:
            break
        pruned += await WebhookDelivery.filter(id__in=list(ids), payload__isnull=False).update(payload=None)
        if len(ids) < PRUNE_BATCH:
            break
    return pruned
