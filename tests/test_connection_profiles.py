"""Connection profiles: per-kind validation, write-only secrets, connection tests, references."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from ezy.connections.models import ConnectionProfile
from ezy.runtime import Runtime
from tests import resources as r
from tests.conftest import TestTenant

URL = f"{r.API}/connection-profiles"
SECRET = "hunter2-Zq8-very-secret"
PG = {"kind": "postgres", "config": {"dsn": "postgres://app@127.0.0.1:1/shop"}}


def if_match(tenant: TestTenant, version: int) -> dict[str, str]:
    return {**tenant.headers, "If-Match": f'"{version}"'}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({"kind": "sample"}, "/name", id="missing-name"),
        pytest.param(r.profile_body(name=""), "/name", id="empty-name"),
        pytest.param(r.profile_body(name="n" * 201), "/name", id="over-long-name"),
        pytest.param(r.profile_body(name=7), "/name", id="name-not-a-string"),
        pytest.param({"name": "p"}, "/kind", id="missing-kind"),
        pytest.param(r.profile_body(kind="ftp"), "/kind", id="unknown-kind"),
        pytest.param(r.profile_body(config=[1]), "/config", id="config-not-an-object"),
        pytest.param(
            r.profile_body(config={"count": 1, "colour": "red"}), "/config/colour", id="unknown-config"
        ),
        pytest.param(r.profile_body(config={"count": "ten"}), "/config/count", id="config-wrong-type"),
        pytest.param(r.profile_body(kind="postgres", config={}), "/config/dsn", id="postgres-needs-dsn"),
        pytest.param(
            r.profile_body(kind="postgres", config={"dsn": "postgres://u:pw@db/x"}),
            "/config/dsn",
            id="password-in-dsn",
        ),
        pytest.param(r.profile_body(secrets={"token": "x"}), "/secrets/token", id="sample-takes-no-secrets"),
        pytest.param(r.profile_body(secrets="x"), "/secrets", id="secrets-not-an-object"),
        pytest.param(
            r.profile_body(kind="shopify", config={"shopDomain": "s.myshopify.com", "apiVersion": "2026-01"}),
            "/secrets/accessToken",
            id="shopify-needs-token",
        ),
        pytest.param(
            r.profile_body(
                kind="shopify", config={"shopDomain": "s.myshopify.com"}, secrets={"accessToken": "t"}
            ),
            "/config/apiVersion",
            id="shopify-needs-api-version",
        ),
        pytest.param(
            r.profile_body(
                kind="http", config={"baseUrl": "https://api.example.com", "auth": {"type": "bearer"}}
            ),
            "/secrets/token",
            id="http-bearer-needs-token",
        ),
        pytest.param(
            r.profile_body(kind="http", config={"baseUrl": "ftp://example.com"}),
            "/config/baseUrl",
            id="http-bad-url",
        ),
        pytest.param(
            r.profile_body(kind="http", config={"baseUrl": "https://x.example", "auth": {"type": "oauth"}}),
            "/config/auth/type",
            id="http-unknown-auth",
        ),
    ],
)
async def test_invalid_profiles_are_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, Any], pointer: str
) -> None:
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert pointer in r.pointers(answer)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"kind": "sample", "config": {}}, id="sample-defaults"),
        pytest.param({**PG, "secrets": {"password": SECRET}}, id="postgres"),
        pytest.param(
            {
                "kind": "shopify",
                "config": {"shopDomain": "s.myshopify.com", "apiVersion": "2026-01"},
                "secrets": {"accessToken": SECRET, "webhookSecret": "w"},
            },
            id="shopify",
        ),
        pytest.param(
            {
                "kind": "http",
                "config": {
                    "baseUrl": "https://api.example.com/v1",
                    "auth": {"type": "basic", "username": "me"},
                    "pagination": {"type": "page", "pageParam": "p", "pageSize": 50},
                    "recordsPath": "data.items",
                },
                "secrets": {"password": SECRET},
            },
            id="http",
        ),
    ],
)
async def test_every_kind_can_be_saved(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, Any]
) -> None:
    answer = await client.post(URL, json={"name": r.unique("p"), **body}, headers=tenant.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["secretKeys"] == sorted(body.get("secrets", {}))


async def test_secrets_are_write_only_and_encrypted(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_profile(client, tenant, **PG, secrets={"password": SECRET})
    assert row["secretKeys"] == ["password"] and "secrets" not in row
    stored = await ConnectionProfile.get(id=row["id"])
    assert SECRET not in stored.secrets_encrypted
    answers = [
        await client.get(f"{URL}/{row['id']}", headers=tenant.headers),
        await client.get(URL, headers=tenant.headers),
        await client.patch(f"{URL}/{row['id']}", json={"name": "x" * 300}, headers=if_match(tenant, 1)),
        await client.patch(f"{URL}/{row['id']}", json={"secrets": {"bogus": 1}}, headers=if_match(tenant, 1)),
        await client.post(f"{URL}/{row['id']}/test", headers=tenant.headers),
    ]
    for answer in answers:
        assert SECRET not in answer.text


@pytest.mark.parametrize(
    "secrets",
    [
        pytest.param({"password": [SECRET]}, id="wrong-type"),
        pytest.param({"password": SECRET, "other": SECRET}, id="unknown-key"),
        pytest.param({"password": {"nested": SECRET}}, id="nested"),
    ],
)
async def test_a_422_never_echoes_a_secret(
    client: httpx.AsyncClient, tenant: TestTenant, secrets: dict[str, Any]
) -> None:
    answer = await client.post(URL, json={"name": "p", **PG, "secrets": secrets}, headers=tenant.headers)
    assert answer.status_code == 422
    assert SECRET not in answer.text
    assert all(p.startswith("/secrets/") for p in r.pointers(answer))


async def test_put_without_secrets_keeps_them_and_with_secrets_replaces_them(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_profile(client, tenant, **PG, secrets={"password": SECRET})
    body = {"name": row["name"], **PG}
    kept = await client.put(f"{URL}/{row['id']}", json=body, headers=if_match(tenant, 1))
    assert kept.json()["secretKeys"] == ["password"]
    cleared = await client.put(
        f"{URL}/{row['id']}", json={**body, "secrets": {}}, headers=if_match(tenant, 2)
    )
    assert cleared.json()["secretKeys"] == []


async def test_patch_merges_into_the_stored_secrets(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    body = {"kind": "shopify", "config": {"shopDomain": "s.myshopify.com", "apiVersion": "2026-01"}}
    row = await r.make_profile(client, tenant, **body, secrets={"accessToken": SECRET})
    added = await client.patch(
        f"{URL}/{row['id']}", json={"secrets": {"webhookSecret": "w"}}, headers=if_match(tenant, 1)
    )
    assert added.json()["secretKeys"] == ["accessToken", "webhookSecret"]
    removed = await client.patch(
        f"{URL}/{row['id']}", json={"secrets": {"webhookSecret": None}}, headers=if_match(tenant, 2)
    )
    assert removed.json()["secretKeys"] == ["accessToken"]
    emptied = await client.patch(f"{URL}/{row['id']}", json={"secrets": None}, headers=if_match(tenant, 3))
    assert emptied.status_code == 422  # shopify needs its token
    assert r.pointers(emptied) == ["/secrets/accessToken"]


async def test_changing_kind_without_fitting_secrets_is_422(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_profile(client, tenant, **PG, secrets={"password": SECRET})
    answer = await client.put(
        f"{URL}/{row['id']}", json={"name": row["name"], "kind": "sample"}, headers=if_match(tenant, 1)
    )
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/secrets"]


async def test_duplicate_names_are_409(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    first, second = await r.make_profile(client, tenant), await r.make_profile(client, tenant)
    again = await client.post(URL, json=r.profile_body(name=first["name"]), headers=tenant.headers)
    assert again.status_code == 409
    rename = await client.patch(
        f"{URL}/{second['id']}", json={"name": first["name"]}, headers=if_match(tenant, 1)
    )
    assert rename.status_code == 409
    await r.make_profile(client, other_tenant, name=first["name"])  # names are per tenant


async def test_deleting_a_profile_an_instance_uses_is_409_naming_it(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    instance = await r.make_instance(client, tenant)
    answer = await client.delete(f"{URL}/{instance['sourceProfileId']}", headers=if_match(tenant, 1))
    assert answer.status_code == 409
    assert answer.json()["referencedBy"] == {"instances": [instance["id"]]}


async def test_kind_filter(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    await r.make_profile(client, tenant)
    pg = await r.make_profile(client, tenant, **PG)
    page = (await client.get(URL, params={"kind": "postgres"}, headers=tenant.headers)).json()
    assert [item["id"] for item in page["items"]] == [pg["id"]]
    assert (await client.get(URL, params={"kind": "ftp"}, headers=tenant.headers)).status_code == 400


async def test_sample_connection_test_succeeds(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_profile(client, tenant)
    answer = await client.post(f"{URL}/{row['id']}/test", json={}, headers=tenant.headers)
    assert answer.status_code == 200
    assert answer.json()["ok"] is True and isinstance(answer.json()["latencyMs"], float | int)


async def test_an_unresolvable_shop_is_a_failed_test_naming_the_host(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    config = {"shopDomain": "s.myshopify.com", "apiVersion": "2026-01", "endpoint": "https://shop.invalid"}
    row = await r.make_profile(client, tenant, kind="shopify", config=config, secrets={"accessToken": SECRET})
    answer = (await client.post(f"{URL}/{row['id']}/test", headers=tenant.headers)).json()
    assert answer["ok"] is False and "cannot resolve host 'shop.invalid'" in answer["detail"]


async def test_failed_connection_test_is_reported_not_raised(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_profile(client, tenant, **PG, secrets={"password": SECRET})
    answer = await client.post(f"{URL}/{row['id']}/test", headers=tenant.headers)
    assert answer.status_code == 200
    assert answer.json()["ok"] is False and answer.json()["detail"]


async def test_private_addresses_are_refused_unless_allowed(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        runtime, "settings", dataclasses.replace(runtime.settings, allow_private_networks=False)
    )
    row = await r.make_profile(
        client, tenant, kind="postgres", config={"dsn": "postgres://app@localhost/shop"}
    )
    answer = (await client.post(f"{URL}/{row['id']}/test", headers=tenant.headers)).json()
    assert answer["ok"] is False and answer["detail"].startswith("refused:")


async def test_test_of_another_tenants_profile_is_404(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    row = await r.make_profile(client, other_tenant)
    assert (await client.post(f"{URL}/{row['id']}/test", headers=tenant.headers)).status_code == 404


async def test_test_rejects_a_body_with_fields(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_profile(client, tenant)
    answer = await client.post(f"{URL}/{row['id']}/test", json={"x": 1}, headers=tenant.headers)
    assert answer.status_code == 422
