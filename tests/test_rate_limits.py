"""Rate limits per API key and per webhook endpoint, counted in the shared Redis."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from ezy.app import create_app
from ezy.config import Settings
from ezy.ratelimit import RateLimiter
from ezy.runtime import Runtime
from ezy.tenants import keys
from ezy.tenants.contracts import ApiKeyInput
from tests import resources as r
from tests.conftest import TestTenant

KEY_LIMIT, ENDPOINT_LIMIT = 3, 2
API_KEYS = "/api/v1/api-keys"


@pytest.fixture(scope="module")
def limited_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        rate_limit_per_key=f"{KEY_LIMIT}/minute",
        rate_limit_per_webhook_endpoint=f"{ENDPOINT_LIMIT}/minute",
    )


def _client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def limited(limited_settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(create_app(limited_settings)) as client:
        yield client


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert response.json()["status"] == 429 and response.json()["retryAfter"] == retry_after


async def test_a_key_over_its_limit_gets_429_with_retry_after(
    limited: httpx.AsyncClient, tenant: TestTenant
) -> None:
    for _ in range(KEY_LIMIT):
        assert (await limited.get(API_KEYS, headers=tenant.headers)).status_code == 200
    assert_rate_limited(await limited.get(API_KEYS, headers=tenant.headers))


async def test_other_keys_and_tenants_keep_their_own_count(
    limited: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    for _ in range(KEY_LIMIT + 1):
        await limited.get(API_KEYS, headers=tenant.headers)
    assert (await limited.get(API_KEYS, headers=other_tenant.headers)).status_code == 200
    second = await keys.create_key(keys.TenantContext(tenant.id), ApiKeyInput(name="second"))
    headers = {"Authorization": f"ApiKey {second.secret}"}
    assert (await limited.get(API_KEYS, headers=headers)).status_code == 200


async def test_graphql_requests_count_against_the_key(limited: httpx.AsyncClient, tenant: TestTenant) -> None:
    query = {"query": "{ apiKeys { total } }"}
    for _ in range(KEY_LIMIT - 1):
        assert (await limited.get(API_KEYS, headers=tenant.headers)).status_code == 200
    assert (await limited.post("/graphql", json=query, headers=tenant.headers)).status_code == 200
    assert_rate_limited(await limited.post("/graphql", json=query, headers=tenant.headers))


async def test_two_app_instances_share_the_count_through_redis(
    limited_settings: Settings, runtime: Runtime, tenant: TestTenant
) -> None:
    async with _client(create_app(limited_settings)) as one, _client(create_app(limited_settings)) as two:
        for client in (one, two, one):
            assert (await client.get(API_KEYS, headers=tenant.headers)).status_code == 200
        assert_rate_limited(await two.get(API_KEYS, headers=tenant.headers))


async def test_unauthenticated_requests_are_401_not_counted(
    limited: httpx.AsyncClient, tenant: TestTenant
) -> None:
    for _ in range(KEY_LIMIT + 1):
        assert (await limited.get(API_KEYS)).status_code == 401
    assert (await limited.get(API_KEYS, headers=tenant.headers)).status_code == 200


async def test_a_webhook_endpoint_over_its_limit_gets_429_and_others_do_not(
    client: httpx.AsyncClient, limited: httpx.AsyncClient, tenant: TestTenant
) -> None:
    busy, quiet = [await r.make_endpoint(client, tenant) for _ in range(2)]
    headers = {**tenant.headers, "Content-Type": "application/json"}
    for _ in range(ENDPOINT_LIMIT):
        response = await limited.post(f"/api/v1/webhooks/{busy['id']}", content=b"{}", headers=headers)
        assert response.status_code == 202, response.text  # stored as skipped: the instance is inactive
    assert_rate_limited(await limited.post(f"/api/v1/webhooks/{busy['id']}", content=b"{}", headers=headers))
    response = await limited.post(f"/api/v1/webhooks/{quiet['id']}", content=b"{}", headers=headers)
    assert response.status_code == 202


async def test_the_default_app_is_generous(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    for _ in range(KEY_LIMIT * 5):
        assert (await client.get(API_KEYS, headers=tenant.headers)).status_code == 200


async def test_an_unreachable_redis_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    limiter = RateLimiter("1/minute", "API key", redis=lambda: unreachable)
    with caplog.at_level(logging.WARNING, logger="ezy.ratelimit"):
        for _ in range(3):
            await limiter.hit("some-key")  # no RateLimited: the limiter fails open
    assert "rate limiting is off while Redis fails" in caplog.text
    await unreachable.aclose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "1200/minute", id="default"),
        pytest.param("100/second", "100/second", id="set"),
        pytest.param("0", None, id="zero-disables"),
        pytest.param("off", None, id="off-disables"),
    ],
)
def test_limits_are_read_from_the_environment(value: str | None, expected: str | None) -> None:
    env = {} if value is None else {"EZY_RATE_LIMIT_PER_KEY": value}
    assert Settings.from_env(env).rate_limit_per_key == expected


def test_a_malformed_limit_stops_the_app_from_starting(settings: Settings) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        create_app(dataclasses.replace(settings, rate_limit_per_key="lots"))
