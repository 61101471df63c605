"""Delivery bodies are dropped after the retention period, except where they are still needed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx

from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from ezy.webhooks.retention import prune_bodies
from tests.conftest import TestTenant
from tests.test_webhook_receiver import endpoint


async def test_settled_bodies_past_retention_are_dropped_by_racing_schedulers(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    endpoint_row = await WebhookEndpoint.get(id=url.rsplit("/", 1)[1])
    old, recent = utcnow() - timedelta(days=40), utcnow() - timedelta(days=1)

    async def delivery(status: str, received_at: Any, error: str | None = None) -> uuid.UUID:
        row = await WebhookDelivery.create(
            tenant_id=tenant.id, endpoint_id=endpoint_row.id, status=status, error=error, payload={"id": 1}
        )
        await WebhookDelivery.filter(id=row.id).update(received_at=received_at)
        return row.id

    dropped = [await delivery(s, old) for s in ("processed", "duplicate", "skipped")]
    kept = [
        await delivery("processed", recent),
        await delivery("accepted", old),  # still to run
        await delivery("failed", old, "1 of 1 records failed"),  # replays may still resolve it
        await delivery("processed", old, "1 of 2 records failed"),
    ]

    counts = await asyncio.gather(*(prune_bodies(timedelta(days=30)) for _ in range(2)))

    assert sum(counts) >= len(dropped)
    rows = {row.id: row for row in await WebhookDelivery.filter(endpoint_id=endpoint_row.id)}
    assert [rows[i].payload for i in dropped] == [None] * 3
    assert [rows[i].payload for i in kept] == [{"id": 1}] * 4
    assert rows[dropped[0]].status == "processed"  # the row stays in the log
    assert await prune_bodies(timedelta(days=30)) == 0
