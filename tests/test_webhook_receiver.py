"""The webhook receiver over real HTTP: Shopify HMAC, generic ApiKey or Standard Webhooks, then the run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from ezy.webhooks import pickup
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import resources as r
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain, make_instance

__all__ = ["drain"]  # the burst-worker fixture, shared with tests/runs

PAYLOADS = Path(__file__).parent / "fixtures" / "shopify"
SHOPIFY_SECRET = "shpss_receiver_test_secret"
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "email": "email"}},
    "validate": {"required": ["externalId"]},
    "load": {"resource": "items", "keys": ["externalId"]},
}


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.shopify_python_api_fixture.json").read_bytes()


def shopify_headers(body: bytes, *, topic: str = "orders/create", webhook_id: str | None = None) -> dict:
    digest = hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Shop-Domain": "example.myshopify.com",
    }


def standard_headers(secret: str, body: bytes, *, msg_id: str | None = None, at: int | None = None) -> dict:
    msg_id, timestamp = msg_id or f"msg_{uuid.uuid4().hex}", str(at or int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


async def endpoint(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    runtime: Runtime,
    *,
    provider: str = "shopify",
    status: str = "active",
    **fields: Any,
) -> tuple[str, str]:
    """A new endpoint on a new instance: (receiver url, secret)."""
    instance = await make_instance(runtime, tenant.id, document=DOCUMENT, status=status)
    body = {"instanceId": str(instance.id), "provider": provider, **fields}
    if provider == "shopify":
        body.setdefault("secret", SHOPIFY_SECRET)
    created = await r.post(client, tenant, "/webhook-endpoints", body)
    return created["url"], created["secret"]


async def deliveries(url: str) -> list[WebhookDelivery]:
    return await WebhookDelivery.filter(endpoint_id=url.rsplit("/", 1)[1]).order_by("received_at", "id")


async def test_valid_shopify_delivery_is_stored_then_processed(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, _ = await endpoint(client, tenant, runtime, topics=["orders/create"])
    body = payload("orders_create")
    answer = await client.post(url, content=body, headers=shopify_headers(body, webhook_id="wh-1"))
    assert answer.status_code == 200
    [stored] = await deliveries(url)
    assert (stored.status, stored.topic, stored.external_id) == ("accepted", "orders/create", "wh-1")
    assert stored.payload == json.loads(body) and stored.sync_log_id is None  # a run takes it later

    await drain()

    await stored.refresh_from_db()
    run = await SyncLog.get(id=stored.sync_log_id)
    assert run.trigger == "webhook"
    assert (run.status, run.total, run.success, run.failed) == ("succeeded", 1, 1, 0)
    await stored.refresh_from_db()
    assert stored.status == "processed" and stored.processed_at is not None and stored.error is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"X-Shopify-Hmac-Sha256": base64.b64encode(b"x" * 32).decode()}, id="wrong-hmac"),
        pytest.param({"X-Shopify-Hmac-Sha256": ""}, id="missing-hmac"),
    ],
)
async def test_bad_shopify_signature_is_401_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, change: dict[str, str]
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    body = payload("products_create")
    answer = await client.post(url, content=body, headers={**shopify_headers(body), **change})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert SHOPIFY_SECRET not in answer.text
    assert await deliveries(url) == []


async def test_a_repeated_shopify_webhook_id_is_recorded_as_duplicate_and_run_once(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    body = payload("customers_create")
    for _ in range(2):
        headers = shopify_headers(body, topic="customers/create", webhook_id="wh-dup")
        assert (await client.post(url, content=body, headers=headers)).status_code == 200
    first, repeat = await deliveries(url)
    assert (first.status, repeat.status) == ("accepted", "duplicate")
    assert repeat.sync_log_id is None and repeat.error == f"duplicate of delivery {first.id}"
    await drain()
    first, repeat = await deliveries(url)
    assert (first.status, repeat.status, repeat.sync_log_id) == ("processed", "duplicate", None)
    run = await SyncLog.get(id=first.sync_log_id)
    assert run.total == 1 and await SyncLog.filter(instance_id=run.instance_id).count() == 1


async def _post_skipped(client: httpx.AsyncClient, url: str) -> WebhookDelivery:
    body = payload("inventory_levels_update")
    headers = shopify_headers(body, topic="inventory_levels/update")
    assert (await client.post(url, content=body, headers=headers)).status_code == 200
    [stored] = await deliveries(url)
    assert stored.status == "skipped" and stored.sync_log_id is None
    return stored


async def test_a_topic_outside_the_endpoint_topics_is_skipped(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, topics=["orders/create"])
    stored = await _post_skipped(client, url)
    assert stored.error == "skipped: the topic 'inventory_levels/update' is not subscribed"


async def test_a_disabled_endpoint_answers_200_and_skips(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, enabled=False)
    assert (await _post_skipped(client, url)).error == "skipped: the endpoint is disabled"


async def test_an_inactive_instance_answers_200_and_skips(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, status="inactive")
    assert (await _post_skipped(client, url)).error == "skipped: the instance is inactive"


@pytest.mark.parametrize(
    "endpoint_id", [pytest.param(str(uuid.uuid4()), id="unknown"), pytest.param("not-a-uuid", id="malformed")]
)
async def test_an_unknown_endpoint_is_404(client: httpx.AsyncClient, endpoint_id: str) -> None:
    body = payload("orders_create")
    answer = await client.post(f"/api/v1/webhooks/{endpoint_id}", content=body, headers=shopify_headers(body))
    assert answer.status_code == 404


async def test_generic_with_the_tenants_api_key_is_202_with_the_delivery_id(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    answer = await client.post(url, json={"id": 7, "email": "a@example.com"}, headers=tenant.headers)
    assert answer.status_code == 202
    [stored] = await deliveries(url)
    assert answer.json() == {"messageId": str(stored.id)}
    await drain()
    await stored.refresh_from_db()
    run = await SyncLog.get(id=stored.sync_log_id)
    assert (run.status, run.total, run.success) == ("succeeded", 1, 1)


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param("other-tenant", id="another-tenants-key"),
        pytest.param("", id="no-auth"),
        pytest.param("ApiKey ezy_000000000000_unknown", id="unknown-key"),
    ],
)
async def test_generic_without_a_valid_key_of_the_tenant_is_401(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    other_tenant: TestTenant,
    runtime: Runtime,
    auth: str,
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    headers = other_tenant.headers if auth == "other-tenant" else {"Authorization": auth} if auth else {}
    answer = await client.post(url, json={"id": 1}, headers=headers)
    assert answer.status_code == 401 and await deliveries(url) == []


async def test_generic_with_a_standard_webhooks_signature_is_accepted_once_per_id(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = json.dumps({"id": 9, "email": "s@example.com"}).encode()
    headers = standard_headers(secret, body, msg_id="msg_same")
    first = await client.post(url, content=body, headers=headers)
    again = await client.post(url, content=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["messageId"] != again.json()["messageId"]
    stored = await deliveries(url)
    assert [d.status for d in stored] == ["accepted", "duplicate"]
    assert [d.external_id for d in stored] == ["msg_same", "msg_same"]


async def test_several_signatures_pass_when_one_matches(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = b'{"id": 3}'
    headers = standard_headers(secret, body)
    wrong = "v1," + base64.b64encode(b"w" * 32).decode()
    headers["webhook-signature"] = f"{wrong} {headers['webhook-signature']}"
    assert (await client.post(url, content=body, headers=headers)).status_code == 202


def _badly_signed(case: str, secret: str, body: bytes) -> tuple[bytes, dict[str, str]]:
    """(the body sent, its headers) for one way of getting the signature wrong."""
    now = int(time.time())
    if case == "wrong-secret":
        return body, standard_headers("whsec_" + base64.b64encode(b"z" * 32).decode(), body)
    if case in ("expired", "future-timestamp"):
        return body, standard_headers(secret, body, at=now - 301 if case == "expired" else now + 301)
    if case == "tampered-body":
        return body.replace(b"4", b"5"), standard_headers(secret, body)
    headers = standard_headers(secret, body)
    del headers["webhook-signature"]
    return body, headers


@pytest.mark.parametrize(
    "case", ["expired", "future-timestamp", "tampered-body", "wrong-secret", "missing-signature"]
)
async def test_a_bad_standard_signature_is_401_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, case: str
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    sent, headers = _badly_signed(case, secret, b'{"id": 4}')
    answer = await client.post(url, content=sent, headers=headers)
    assert answer.status_code == 401 and await deliveries(url) == []
    assert answer.headers["content-type"] == "application/problem+json"
    signature = headers.get("webhook-signature", "").removeprefix("v1,")
    assert secret.removeprefix("whsec_") not in answer.text
    assert not signature or signature not in answer.text


async def test_an_array_body_is_several_records_of_one_run(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = json.dumps([{"id": i, "email": f"{i}@example.com"} for i in range(3)] + [{"email": "x"}]).encode()
    assert (await client.post(url, content=body, headers=standard_headers(secret, body))).status_code == 202
    await drain()
    [stored] = await deliveries(url)
    run = await SyncLog.get(id=stored.sync_log_id)
    assert (run.status, run.total, run.success, run.failed) == ("partial", 4, 3, 1)
    assert stored.status == "processed" and stored.error == "1 of 4 records failed"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b'{"id": 1,', 400, id="malformed"),
        pytest.param(b"", 400, id="empty"),
        pytest.param(b"42", 422, id="scalar"),
        pytest.param(b'[{"id": 1}, 2]', 422, id="array-of-non-objects"),
    ],
)
async def test_a_generic_body_that_is_not_records_is_refused_and_not_stored(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, body: bytes, status: int
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    answer = await client.post(url, content=body, headers=standard_headers(secret, body))
    assert answer.status_code == status and await deliveries(url) == []


async def test_deliveries_are_listed_with_the_api_shape(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    body = payload("orders_create")
    await client.post(url, content=body, headers=shopify_headers(body, webhook_id="wh-list"))
    endpoint_id = url.rsplit("/", 1)[1]
    page = (
        await client.get(f"{r.API}/webhook-endpoints/{endpoint_id}/deliveries", headers=tenant.headers)
    ).json()
    [item] = page["items"]
    assert set(item) == {
        "id",
        "receivedAt",
        "topic",
        "externalId",
        "status",
        "syncLogId",
        "processedAt",
        "error",
        "resolvedBySyncLogId",
    }
    assert (item["topic"], item["externalId"], item["status"]) == ("orders/create", "wh-list", "accepted")
    assert item["syncLogId"] is None and item["processedAt"] is None  # no run has taken it yet


async def test_a_run_that_cannot_run_marks_its_delivery_failed(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    body = payload("orders_create")
    assert (await client.post(url, content=body, headers=shopify_headers(body))).status_code == 200
    [stored] = await deliveries(url)
    endpoint_row = await WebhookEndpoint.get(id=stored.endpoint_id)
    await Instance.filter(id=endpoint_row.instance_id).update(status="inactive")
    await drain()
    await stored.refresh_from_db()
    assert stored.status == "failed" and stored.error == "not run: the instance is inactive"


async def test_when_redis_is_down_the_delivery_is_kept_and_requeued_later(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    runtime: Runtime,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def down(*args: object, **kwargs: object) -> bool:
        raise ConnectionError("redis is down")

    url, _ = await endpoint(client, tenant, runtime)
    body = payload("products_create")
    with monkeypatch.context() as patched:
        patched.setattr("ezy.runs.service.queue.enqueue_run", down)
        answer = await client.post(url, content=body, headers=shopify_headers(body, topic="products/create"))
        await pickup.idle()
    assert answer.status_code == 200
    [stored] = await deliveries(url)
    assert stored.status == "accepted"
    endpoint_row = await WebhookEndpoint.get(id=stored.endpoint_id)
    [run] = await SyncLog.filter(instance_id=endpoint_row.instance_id)
    assert run.status == "queued"  # recorded, never enqueued
    await pickup.drain_waiting(older_than=timedelta(0))  # the scheduler's sweep enqueues it again
    await drain()
    await stored.refresh_from_db()
    assert stored.status == "processed"
    assert (await SyncLog.get(id=stored.sync_log_id)).status == "succeeded"
