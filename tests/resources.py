"""Builders of valid configuration resources through the REST API, for the resource tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.conftest import TestTenant

API = "/api/v1"
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "transform": {"fields": {"sku": "sku", "title": "$trim(title)"}, "defaults": {"currency": "USD"}},
    "validate": {"required": ["sku"]},
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def post(
    client: httpx.AsyncClient, tenant: TestTenant, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(API + path, json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def profile_body(**overrides: Any) -> dict[str, Any]:
    return {"name": unique("profile"), "kind": "sample", "config": {"count": 10, "seed": 1}, **overrides}


def mapping_body(**overrides: Any) -> dict[str, Any]:
    return {"name": unique("mapping"), "document": DOCUMENT, **overrides}


async def make_profile(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    return await post(client, tenant, "/connection-profiles", profile_body(**overrides))


async def make_mapping(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    return await post(client, tenant, "/mapping-configurations", mapping_body(**overrides))


async def instance_body(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    profile = await make_profile(client, tenant)
    mapping = await make_mapping(client, tenant)
    return {
        "name": unique("instance"),
        "sourceProfileId": profile["id"],
        "targetProfileId": profile["id"],
        "mappingId": mapping["id"],
        "options": {"batchSize": 100},
        **overrides,
    }


async def make_instance(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    return await post(client, tenant, "/instances", await instance_body(client, tenant, **overrides))


async def schedule_body(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    instance = await make_instance(client, tenant)
    return {"instanceId": instance["id"], "cron": "*/15 * * * *", "timezone": "Europe/Berlin", **overrides}


async def make_schedule(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    return await post(client, tenant, "/schedules", await schedule_body(client, tenant, **overrides))


async def endpoint_body(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    instance = await make_instance(client, tenant)
    return {"instanceId": instance["id"], "provider": "generic", "topics": ["orders/create"], **overrides}


async def make_endpoint(client: httpx.AsyncClient, tenant: TestTenant, **overrides: Any) -> dict[str, Any]:
    """The endpoint as a GET shows it (the create answer's one-time `secret` removed)."""
    created = await post(
        client, tenant, "/webhook-endpoints", await endpoint_body(client, tenant, **overrides)
    )
    created.pop("secret")
    return created


def pointers(response: httpx.Response) -> list[str]:
    return [e["pointer"] for e in response.json().get("errors", [])]
