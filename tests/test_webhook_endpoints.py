"""Webhook endpoints: generated or given secrets shown once, providers, topics, deliveries."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from ezy.webhooks import service
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import resources as r
from tests.conftest import TestTenant

URL = f"{r.API}/webhook-endpoints"


def if_match(tenant: TestTenant, version: int) -> dict[str, str]:
    return {**tenant.headers, "If-Match": f'"{version}"'}


async def test_a_generic_secret_is_generated_and_shown_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    created = await r.post(client, tenant, "/webhook-endpoints", await r.endpoint_body(client, tenant))
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created["url"] == f"/api/v1/webhooks/{created['id']}"
    stored = await WebhookEndpoint.get(id=created["id"])
    assert secret not in stored.secret_encrypted and service.stored_secret(stored) == secret
    later = [
        await client.get(f"{URL}/{created['id']}", headers=tenant.headers),
        await client.get(URL, headers=tenant.headers),
        await client.patch(f"{URL}/{created['id']}", json={"enabled": False}, headers=if_match(tenant, 1)),
    ]
    for answer in later:
        assert answer.status_code == 200 and secret not in answer.text


async def test_update_without_secret_keeps_it_and_with_one_replaces_it(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = await r.endpoint_body(client, tenant, provider="shopify", secret="shpss_first")
    created = await r.post(client, tenant, "/webhook-endpoints", body)
    del body["secret"]
    await client.put(f"{URL}/{created['id']}", json=body, headers=if_match(tenant, 1))
    assert service.stored_secret(await WebhookEndpoint.get(id=created["id"])) == "shpss_first"
    replaced = await client.patch(
        f"{URL}/{created['id']}", json={"secret": "shpss_new"}, headers=if_match(tenant, 2)
    )
    assert "secret" not in replaced.json()
    assert service.stored_secret(await WebhookEndpoint.get(id=created["id"])) == "shpss_new"


async def test_a_given_generic_secret_in_standard_form_is_accepted(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    created = await r.post(
        client, tenant, "/webhook-endpoints", await r.endpoint_body(client, tenant, secret=secret)
    )
    assert created["secret"] == secret


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        pytest.param({"provider": "shopify"}, "/secret", id="shopify-needs-a-secret"),
        pytest.param({"secret": "plain"}, "/secret", id="generic-secret-not-whsec"),
        pytest.param({"secret": "whsec_!!notbase64"}, "/secret", id="generic-secret-not-base64"),
        pytest.param(
            {"secret": "whsec_" + base64.b64encode(b"short").decode()}, "/secret", id="generic-too-short"
        ),
        pytest.param({"provider": "stripe"}, "/provider", id="unknown-provider"),
        pytest.param({"topics": "orders/create"}, "/topics", id="topics-not-an-array"),
        pytest.param({"topics": ["ok", ""]}, "/topics/1", id="empty-topic"),
        pytest.param({"topics": ["t" * 121]}, "/topics/0", id="over-long-topic"),
        pytest.param({"enabled": 1}, "/enabled", id="enabled-not-a-boolean"),
        pytest.param(
            {"instanceId": "00000000-0000-0000-0000-000000000000"}, "/instanceId", id="unknown-instance"
        ),
        pytest.param({"url": "/elsewhere"}, "/url", id="url-is-not-writable"),
    ],
)
async def test_invalid_endpoints_are_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, changes: dict[str, Any], pointer: str
) -> None:
    answer = await client.post(
        URL, json=await r.endpoint_body(client, tenant, **changes), headers=tenant.headers
    )
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [pointer]


async def test_a_rejected_secret_is_not_echoed(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    body = await r.endpoint_body(client, tenant, secret="my-private-signing-key")
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422 and "my-private-signing-key" not in answer.text


async def test_another_tenants_instance_is_422(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    theirs = await r.make_instance(client, other_tenant)
    answer = await client.post(
        URL, json={"instanceId": theirs["id"], "provider": "generic"}, headers=tenant.headers
    )
    assert answer.status_code == 422 and r.pointers(answer) == ["/instanceId"]


async def test_deliveries_are_paged_newest_first(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    endpoint = await r.make_endpoint(client, tenant)
    for n in range(3):
        await WebhookDelivery.create(
            tenant_id=tenant.id, endpoint_id=endpoint["id"], topic="orders/create", external_id=f"ext-{n}"
        )
    answer = await client.get(
        f"{URL}/{endpoint['id']}/deliveries", params={"pageSize": 2}, headers=tenant.headers
    )
    assert answer.status_code == 200
    page = answer.json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert set(page["items"][0]) == {
        "id", "receivedAt", "topic", "externalId", "status", "syncLogId", "processedAt", "error",
        "resolvedBySyncLogId",
    }  # fmt: skip
    assert page["items"][0]["status"] == "accepted"


async def test_deliveries_of_another_tenants_endpoint_are_404(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    endpoint = await r.make_endpoint(client, other_tenant)
    assert (await client.get(f"{URL}/{endpoint['id']}/deliveries", headers=tenant.headers)).status_code == 404


async def test_deliveries_filter_by_status(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    endpoint = await r.make_endpoint(client, tenant)
    for status in ("accepted", "duplicate", "duplicate"):
        await WebhookDelivery.create(tenant_id=tenant.id, endpoint_id=endpoint["id"], status=status)
    path = f"{URL}/{endpoint['id']}/deliveries"
    duplicates = (await client.get(path, params={"status": "duplicate"}, headers=tenant.headers)).json()
    assert duplicates["total"] == 2 and {i["status"] for i in duplicates["items"]} == {"duplicate"}


async def test_a_bad_endpoint_lists_every_invalid_field_at_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"instanceId": "nope", "provider": "stripe", "topics": ["ok", ""], "enabled": 1, "url": "/x"}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422
    assert sorted(r.pointers(answer)) == ["/enabled", "/instanceId", "/provider", "/topics/1", "/url"]


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"pageSize": "1000"}, {"page": "x"}, {"status": "lost"}, {"color": "red"}]
)
async def test_deliveries_bad_paging_is_400(
    client: httpx.AsyncClient, tenant: TestTenant, params: dict[str, str]
) -> None:
    endpoint = await r.make_endpoint(client, tenant)
    answer = await client.get(f"{URL}/{endpoint['id']}/deliveries", params=params, headers=tenant.headers)
    assert answer.status_code == 400
