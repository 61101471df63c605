"""A replaced webhook secret keeps verifying deliveries for a while (a sender rotating loses nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import httpx

from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from ezy.webhooks.cache import invalidate
from ezy.webhooks.models import WebhookEndpoint
from tests import resources as r
from tests.conftest import TestTenant
from tests.test_webhook_receiver import deliveries, endpoint, payload


def signed(secret: str, body: bytes) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Topic": "orders/create",
        "Content-Type": "application/json",
    }


async def test_the_previous_shopify_secret_verifies_until_its_window_ends(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, secret="shpss_old")
    endpoint_id = url.rsplit("/", 1)[1]
    body = payload("orders_create")
    assert (await client.post(url, content=body, headers=signed("shpss_old", body))).status_code == 200

    headers = {**tenant.headers, "If-Match": '"1"'}
    changed = await client.patch(
        f"{r.API}/webhook-endpoints/{endpoint_id}", json={"secret": "shpss_new"}, headers=headers
    )
    assert changed.status_code == 200 and "shpss_old" not in changed.text
    for secret in ("shpss_new", "shpss_old"):  # both, right after the change
        assert (await client.post(url, content=body, headers=signed(secret, body))).status_code == 200
    assert (await client.post(url, content=body, headers=signed("shpss_other", body))).status_code == 401

    # An hour later (EZY_WEBHOOK_PREVIOUS_SECRET_SECONDS): only the new secret.
    await WebhookEndpoint.filter(id=endpoint_id).update(
        previous_secret_valid_until=utcnow() - timedelta(seconds=1)
    )
    invalidate()
    assert (await client.post(url, content=body, headers=signed("shpss_old", body))).status_code == 401
    assert (await client.post(url, content=body, headers=signed("shpss_new", body))).status_code == 200
    assert len(await deliveries(url)) == 4


async def test_an_update_that_keeps_the_secret_opens_no_window(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, secret="shpss_kept")
    endpoint_id = url.rsplit("/", 1)[1]
    headers = {**tenant.headers, "If-Match": '"1"'}
    changed = await client.patch(
        f"{r.API}/webhook-endpoints/{endpoint_id}", json={"enabled": True}, headers=headers
    )
    assert changed.status_code == 200
    row = await WebhookEndpoint.get(id=endpoint_id)
    assert (row.previous_secret_encrypted, row.previous_secret_valid_until) == (None, None)
