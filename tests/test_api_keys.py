from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import httpx
import pytest

from ezy.tenants import keys
from ezy.tenants.models import ApiKey
from ezy.timefmt import rfc3339, utcnow
from tests.conftest import TestTenant


async def _create(client: httpx.AsyncClient, tenant: TestTenant, **body: object) -> httpx.Response:
    return await client.post("/api/v1/api-keys", json={"name": "ci", **body}, headers=tenant.headers)


async def test_list_shows_the_tenants_keys_without_secrets(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    response = await client.get("/api/v1/api-keys", headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["page"] == 1 and body["pageSize"] == 50
    (item,) = body["items"]
    assert "key" not in item and tenant.key not in response.text
    assert tenant.key.startswith(item["prefix"] + "_")


async def test_create_shows_the_secret_once_and_it_works(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    created = await _create(client, tenant)
    assert created.status_code == 201
    assert created.headers["location"] == f"/api/v1/api-keys/{created.json()['id']}"
    secret = created.json()["key"]
    assert len(secret) > 40  # 256 random bits, url-safe
    fetched = await client.get(created.headers["location"], headers=tenant.headers)
    assert "key" not in fetched.json()
    usable = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {secret}"})
    assert usable.status_code == 200 and usable.json()["total"] == 2


async def test_keys_are_stored_hashed(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    secret = (await _create(client, tenant)).json()["key"]
    rows = await ApiKey.filter(tenant_id=tenant.id).values_list("key_hash", "prefix")
    assert all(secret not in (h + p) for h, p in rows)


async def test_revoked_key_is_refused(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    created = (await _create(client, tenant)).json()
    assert (
        await client.delete(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    ).status_code == 204
    refused = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {created['key']}"})
    assert refused.status_code == 401
    shown = await client.get(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    assert shown.json()["revokedAt"] is not None


async def test_expired_key_is_refused(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    created = (await _create(client, tenant, expiresAt=rfc3339(utcnow() + timedelta(hours=1)))).json()
    await ApiKey.filter(id=created["id"]).update(expires_at=utcnow() - timedelta(seconds=1))
    refused = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {created['key']}"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "ApiKey"


async def test_rotation_without_grace_stops_the_old_secret(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    created = (await _create(client, tenant)).json()
    rotated = await client.post(f"/api/v1/api-keys/{created['id']}/rotate", headers=tenant.headers)
    assert rotated.status_code == 200 and rotated.json()["id"] == created["id"]
    new_secret = rotated.json()["key"]
    assert new_secret != created["key"]
    old = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {created['key']}"})
    new = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {new_secret}"})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_rotation_grace_period_keeps_old_secret_until_it_ends(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    created = (await _create(client, tenant)).json()
    rotated = await client.post(
        f"/api/v1/api-keys/{created['id']}/rotate", json={"gracePeriodSeconds": 600}, headers=tenant.headers
    )
    old_headers = {"Authorization": f"ApiKey {created['key']}"}
    assert (await client.get("/api/v1/api-keys", headers=old_headers)).status_code == 200
    await ApiKey.filter(id=created["id"]).update(previous_valid_until=utcnow() - timedelta(seconds=1))
    keys.forget_key(UUID(created["id"]))  # the cache holds the old end; a real grace period ends on time
    assert (await client.get("/api/v1/api-keys", headers=old_headers)).status_code == 401
    new_headers = {"Authorization": f"ApiKey {rotated.json()['key']}"}
    assert (await client.get("/api/v1/api-keys", headers=new_headers)).status_code == 200


async def test_last_used_is_recorded_without_a_write_per_request(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    await client.get("/api/v1/api-keys", headers=tenant.headers)
    first = (await ApiKey.get(tenant_id=tenant.id)).last_used_at
    assert first is not None
    await client.get("/api/v1/api-keys", headers=tenant.headers)
    assert (await ApiKey.get(tenant_id=tenant.id)).last_used_at == first


async def test_another_tenants_key_is_not_found(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    theirs = (await client.get("/api/v1/api-keys", headers=other_tenant.headers)).json()["items"][0]["id"]
    for method, path in [
        ("GET", f"/api/v1/api-keys/{theirs}"),
        ("DELETE", f"/api/v1/api-keys/{theirs}"),
        ("POST", f"/api/v1/api-keys/{theirs}/rotate"),
    ]:
        response = await client.request(method, path, headers=tenant.headers)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
    still = await client.get("/api/v1/api-keys", headers=other_tenant.headers)
    assert still.status_code == 200


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({}, "/name", id="missing-name"),
        pytest.param({"name": 5}, "/name", id="name-not-string"),
        pytest.param({"name": "x" * 201}, "/name", id="name-too-long"),
        pytest.param({"name": "a", "extra": 1}, "/extra", id="unknown-field"),
        pytest.param({"name": "a", "expiresAt": "tomorrow"}, "/expiresAt", id="bad-timestamp"),
        pytest.param({"name": "a", "expiresAt": "2001-01-01T00:00:00Z"}, "/expiresAt", id="expiry-in-past"),
    ],
)
async def test_create_rejects_bad_bodies_with_pointers(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, object], pointer: str
) -> None:
    response = await client.post("/api/v1/api-keys", json=body, headers=tenant.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"gracePeriodSeconds": "60"}, id="string"),
        pytest.param({"gracePeriodSeconds": -1}, id="negative"),
        pytest.param({"gracePeriodSeconds": 10**9}, id="too-long"),
    ],
)
async def test_rotate_rejects_bad_grace_periods(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, object]
) -> None:
    key_id = (await _create(client, tenant)).json()["id"]
    response = await client.post(f"/api/v1/api-keys/{key_id}/rotate", json=body, headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/gracePeriodSeconds"


async def test_paging_parameters_are_checked(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    for query in ("page=0", "pageSize=1000", "page=abc", "pageSize=0"):
        response = await client.get(f"/api/v1/api-keys?{query}", headers=tenant.headers)
        assert response.status_code == 400, query
    past_end = await client.get("/api/v1/api-keys?page=5&pageSize=1", headers=tenant.headers)
    assert past_end.json()["items"] == [] and past_end.json()["total"] == 1


async def test_a_bad_create_body_lists_every_invalid_field_at_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"name": " ", "expiresAt": "tomorrow", "scope": "all"}
    response = await client.post("/api/v1/api-keys", json=body, headers=tenant.headers)
    assert response.status_code == 422
    assert sorted(e["pointer"] for e in response.json()["errors"]) == ["/expiresAt", "/name", "/scope"]
