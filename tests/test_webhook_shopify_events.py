"""Shopify deduplication on `X-Shopify-Event-Id` as well as `X-Shopify-Webhook-Id`."""

from __future__ import annotations

import httpx

from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.test_webhook_receiver import deliveries, endpoint, payload, shopify_headers


async def _send(
    client: httpx.AsyncClient, url: str, *, topic: str, webhook_id: str, event_id: str | None
) -> None:
    body = payload("orders_create")
    headers = shopify_headers(body, topic=topic, webhook_id=webhook_id)
    if event_id is not None:
        headers["X-Shopify-Event-Id"] = event_id
    assert (await client.post(url, content=body, headers=headers)).status_code == 200


async def test_one_event_sent_again_under_a_new_webhook_id_is_a_duplicate(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    await _send(client, url, topic="orders/create", webhook_id="wh-a", event_id="evt-1")
    await _send(client, url, topic="orders/create", webhook_id="wh-b", event_id="evt-1")  # re-sent event
    await _send(client, url, topic="orders/create", webhook_id="wh-a", event_id="evt-1")  # a retry
    first, *repeats = await deliveries(url)
    assert first.status == "accepted"
    assert [(d.status, d.error) for d in repeats] == [("duplicate", f"duplicate of delivery {first.id}")] * 2


async def test_other_events_and_other_topics_of_one_event_are_each_processed(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    await _send(client, url, topic="orders/create", webhook_id="wh-1", event_id="evt-1")
    await _send(client, url, topic="orders/create", webhook_id="wh-2", event_id="evt-2")
    await _send(client, url, topic="orders/paid", webhook_id="wh-3", event_id="evt-1")
    await _send(client, url, topic="orders/create", webhook_id="wh-4", event_id=None)  # webhook id only
    await _send(client, url, topic="orders/create", webhook_id="wh-4", event_id=None)
    assert [d.status for d in await deliveries(url)] == ["accepted"] * 4 + ["duplicate"]
