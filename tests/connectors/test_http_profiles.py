"""The `http` profile's shape as the configuration API validates it (api.md; ezy/connectors/_http_config)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import resources as r
from tests.conftest import TestTenant

BASE = {"baseUrl": "https://api.example.com/v1"}


@pytest.mark.parametrize(
    ("config", "secrets", "pointer"),
    [
        pytest.param(
            {**BASE, "pagination": {"type": "cursor"}},
            {},
            "/config/pagination/cursorPath",
            id="cursor-needs-path",
        ),
        pytest.param(
            {**BASE, "pagination": {"type": "next"}}, {}, "/config/pagination/nextPath", id="next-needs-path"
        ),
        pytest.param(
            {**BASE, "pagination": {"type": "scroll"}}, {}, "/config/pagination/type", id="unknown-style"
        ),
        pytest.param(
            {**BASE, "pagination": {"type": "page", "size": 5}},
            {},
            "/config/pagination/size",
            id="unknown-key",
        ),
        pytest.param(
            {**BASE, "auth": {"type": "header", "header": "X Key"}},
            {"apiKey": "k"},
            "/config/auth/header",
            id="bad-header-name",
        ),
        pytest.param(
            {**BASE, "auth": {"type": "basic", "username": "u"}},
            {},
            "/secrets/password",
            id="basic-needs-password",
        ),
        pytest.param({**BASE, "write": {"method": "DELETE"}}, {}, "/config/write/method", id="write-method"),
        pytest.param({**BASE, "timeoutSeconds": 0}, {}, "/config/timeoutSeconds", id="zero-timeout"),
    ],
)
async def test_invalid_http_profiles_are_422_at_the_field(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    config: dict[str, Any],
    secrets: dict[str, Any],
    pointer: str,
) -> None:
    body = r.profile_body(kind="http", config=config, secrets=secrets)
    answer = await client.post(f"{r.API}/connection-profiles", json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert pointer in r.pointers(answer)


async def test_a_full_http_profile_is_saved(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    config = {
        **BASE,
        "auth": {"type": "header", "header": "X-Api-Key"},
        "pagination": {
            "type": "cursor",
            "cursorPath": "meta.next",
            "cursorParam": "after",
            "sizeParam": "limit",
            "pageSize": 100,
            "maxPages": 500,
        },
        "recordsPath": "data",
        "incrementalParam": "updated_since",
        "timeoutSeconds": 10,
        "retries": {"attempts": 5, "initialDelaySeconds": 1, "maxDelaySeconds": 60},
        "maxResponseBytes": 1_000_000,
        "write": {"method": "POST", "batch": True, "concurrency": 8},
        "testPath": "health",
    }
    row = await r.make_profile(client, tenant, kind="http", config=config, secrets={"apiKey": "k-1"})
    assert row["config"] == config and row["secretKeys"] == ["apiKey"]
