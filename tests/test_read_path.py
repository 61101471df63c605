"""The read path's caches stay correct: remembered keys, and parsed and validated GraphQL documents."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ezy.config import Settings
from ezy.tenants import keys
from schema import extensions
from tests.conftest import TestTenant, make_tenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.test_limits import _aliases, _nested, _tokens


@pytest.fixture
def gql(client: httpx.AsyncClient, tenant: TestTenant) -> GraphQLClient:
    return GraphQLClient(client, tenant.headers)


async def _new_key(client: httpx.AsyncClient, tenant: TestTenant) -> dict[str, str]:
    created = await client.post("/api/v1/api-keys", json={"name": "cached"}, headers=tenant.headers)
    assert created.status_code == 201
    body: dict[str, str] = created.json()
    return body


async def _status(client: httpx.AsyncClient, secret: str) -> int:
    response = await client.get("/api/v1/instances", headers={"Authorization": f"ApiKey {secret}"})
    return response.status_code


async def test_a_key_revoked_here_stops_at_once(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    key = await _new_key(client, tenant)
    assert await _status(client, key["key"]) == 200  # now remembered
    revoked = await client.delete(f"/api/v1/api-keys/{key['id']}", headers=tenant.headers)
    assert revoked.status_code == 204
    assert await _status(client, key["key"]) == 401


def _cli(settings: Settings, data_dir: Path, *args: str) -> None:
    env = {
        **os.environ,
        "EZY_DATABASE_URL": settings.database_url,
        "EZY_SECRET_KEY": settings.secret_key or "",
        "EZY_DATA_DIR": str(data_dir),
    }
    env.pop("EZY_REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "ezy.cli", *args], env=env, check=True, capture_output=True)


async def test_a_key_revoked_by_another_process_stops_within_the_cache_ttl(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keys, "CACHE_TTL", 1.0)  # the bound, shortened for the test (5 s in production)
    key = await _new_key(client, tenant)
    assert await _status(client, key["key"]) == 200  # remembered for CACHE_TTL
    started = asyncio.get_running_loop().time()
    await asyncio.to_thread(_cli, settings, tmp_path, "keys", "revoke", key["id"], "--tenant", str(tenant.id))
    while await _status(client, key["key"]) == 200:
        assert asyncio.get_running_loop().time() - started < keys.CACHE_TTL + 0.5, "still accepted"
        await asyncio.sleep(0.05)
    assert await _status(client, key["key"]) == 401


async def test_a_rotated_keys_old_secret_stops_when_its_grace_period_ends(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    key = await _new_key(client, tenant)
    rotated = await client.post(
        f"/api/v1/api-keys/{key['id']}/rotate", json={"gracePeriodSeconds": 1}, headers=tenant.headers
    )
    assert rotated.status_code == 200
    assert await _status(client, key["key"]) == 200  # the old secret, in its grace period, remembered
    await asyncio.sleep(1.1)
    assert await _status(client, key["key"]) == 401
    assert await _status(client, rotated.json()["key"]) == 200


async def test_rotation_without_grace_stops_a_remembered_old_secret(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    key = await _new_key(client, tenant)
    assert await _status(client, key["key"]) == 200
    rotated = await client.post(f"/api/v1/api-keys/{key['id']}/rotate", headers=tenant.headers)
    assert rotated.status_code == 200
    assert await _status(client, key["key"]) == 401


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(_nested(extensions.MAX_DEPTH + 2), "exceeds maximum operation depth", id="depth"),
        pytest.param(_aliases(extensions.MAX_ALIASES + 1), "aliases found", id="aliases"),
        pytest.param(_tokens(extensions.MAX_TOKENS + 1), "tokens", id="tokens"),
    ],
)
async def test_a_repeated_document_over_a_limit_is_refused_every_time(
    gql: GraphQLClient, query: str, message: str
) -> None:
    for _ in range(3):
        body = await gql.execute(query)
        assert body.get("data") is None
        assert any(message in error["message"] for error in body["errors"]), body["errors"]


QUERY = "{ instances(pageSize: 5) { total items { id } } }"


async def test_a_repeated_document_is_parsed_and_validated_once(gql: GraphQLClient) -> None:
    query = QUERY.replace("5", "6")  # a text no other test sends
    parsed, validated = extensions._parse.cache_info(), extensions._validate.cache_info()
    for _ in range(3):
        await gql.data(query)
    assert extensions._parse.cache_info().misses == parsed.misses + 1
    assert extensions._validate.cache_info().misses == validated.misses + 1
    assert extensions._validate.cache_info().hits >= validated.hits + 2


async def test_a_cached_document_still_needs_a_key_and_answers_each_tenant_its_own(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    other = await make_tenant("reader")
    mine = GraphQLClient(client, tenant.headers)
    theirs = GraphQLClient(client, other.headers)
    await client.post(
        "/api/v1/connection-profiles",
        json={"name": "only-mine", "kind": "sample", "config": {}},
        headers=tenant.headers,
    )
    query = "{ connectionProfiles { total items { name } } }"
    assert (await mine.data(query))["connectionProfiles"]["total"] == 1
    assert (await theirs.data(query))["connectionProfiles"] == {"total": 0, "items": []}
    anonymous = await client.post("/graphql", json={"query": query})
    assert anonymous.status_code == 401
    revoked_key = await _new_key(client, tenant)
    await client.delete(f"/api/v1/api-keys/{revoked_key['id']}", headers=tenant.headers)
    refused = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"ApiKey {revoked_key['key']}"}
    )
    assert refused.status_code == 401


async def test_a_long_document_runs_without_entering_the_cache(gql: GraphQLClient) -> None:
    alias = "a" * (extensions.MAX_CACHED_QUERY_CHARS + 1)
    before = extensions._parse.cache_info()
    for _ in range(2):
        data = await gql.data(f"{{ {alias}: apiKeys {{ total }} }}")
        assert data[alias]["total"] == 1
    after = extensions._parse.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
