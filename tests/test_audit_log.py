"""The audit log: every configuration, key and DLQ action with who did it, readable over REST and GraphQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.runtime import Runtime
from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.runs.conftest import Drain, drain, make_instance

__all__ = ["drain"]  # the burst-worker fixture, shared with tests/runs

AUDIT = "/api/v1/audit-log"
PG_SECRET = "pg-password-that-must-never-be-logged"
NEW_PG_SECRET = "rotated-pg-password-never-logged"
WEBHOOK_SECRET = "shpss_webhook_secret_never_logged"
ENTRY_FIELDS = "id at action resourceType resourceId details actor { type apiKeyId prefix }"


async def entries(client: httpx.AsyncClient, tenant: TestTenant, **params: str) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"pageSize": "200", **params}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def own_key(client: httpx.AsyncClient, tenant: TestTenant) -> dict[str, Any]:
    listed = (await client.get("/api/v1/api-keys", headers=tenant.headers)).json()["items"]
    return next(k for k in listed if tenant.key.startswith(k["prefix"] + "_"))


def _actions(items: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(action, resourceId), oldest first."""
    return [(e["action"], e["resourceId"]) for e in reversed(items)]


async def _write(
    client: httpx.AsyncClient, tenant: TestTenant, method: str, path: str, version: int, body: Any = None
) -> httpx.Response:
    headers = {**tenant.headers, "If-Match": f'"{version}"'}
    response = await client.request(method, r.API + path, json=body, headers=headers)
    assert response.status_code in (200, 204), response.text
    return response


async def test_configuration_changes_are_recorded_with_the_key_that_made_them(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    profile = await r.make_profile(client, tenant)
    path = f"/connection-profiles/{profile['id']}"
    await _write(client, tenant, "PATCH", path, 1, {"config": {"count": 5, "seed": 2}})
    await _write(client, tenant, "PUT", path, 2, r.profile_body(name=profile["name"]))
    await _write(client, tenant, "DELETE", path, 3)

    items = await entries(client, tenant, resourceType="connectionProfile")
    assert _actions(items) == [
        ("connectionProfile.create", profile["id"]),
        ("connectionProfile.update", profile["id"]),
        ("connectionProfile.update", profile["id"]),
        ("connectionProfile.delete", profile["id"]),
    ]
    key = await own_key(client, tenant)
    assert {json.dumps(e["actor"]) for e in items} == {
        json.dumps({"type": "apiKey", "apiKeyId": key["id"], "prefix": key["prefix"]})
    }
    patched = items[2]["details"]
    assert patched == {"version": 2, "name": profile["name"], "fields": ["config"]}
    assert items[0]["details"] == {"version": 3}  # the delete, newest first


async def test_instances_schedules_endpoints_and_mappings_are_recorded(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    endpoint = await r.make_endpoint(client, tenant)
    instance_id = endpoint["instanceId"]
    await _write(client, tenant, "POST", f"/instances/{instance_id}/activate", 1)
    await _write(client, tenant, "POST", f"/instances/{instance_id}/deactivate", 2)
    schedule = await r.post(
        client, tenant, "/schedules", {"instanceId": instance_id, "cron": "0 * * * *", "timezone": "UTC"}
    )
    await _write(client, tenant, "PATCH", f"/webhook-endpoints/{endpoint['id']}", 1, {"enabled": False})

    recorded = _actions(await entries(client, tenant))
    mapping_id = (await Instance.get(id=instance_id)).mapping_id
    for expected in [
        ("mappingConfiguration.create", str(mapping_id)),
        ("instance.create", instance_id),
        ("webhookEndpoint.create", endpoint["id"]),
        ("instance.activate", instance_id),
        ("instance.deactivate", instance_id),
        ("schedule.create", schedule["id"]),
        ("webhookEndpoint.update", endpoint["id"]),
    ]:
        assert expected in recorded
    assert recorded.index(("instance.activate", instance_id)) < recorded.index(
        ("instance.deactivate", instance_id)
    )


async def test_key_create_rotate_and_revoke_are_recorded_without_the_secret(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    created = (await client.post("/api/v1/api-keys", json={"name": "ci"}, headers=tenant.headers)).json()
    rotated = (
        await client.post(
            f"/api/v1/api-keys/{created['id']}/rotate",
            json={"gracePeriodSeconds": 60},
            headers=tenant.headers,
        )
    ).json()
    revoked = await client.delete(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    assert revoked.status_code == 204

    items = await entries(client, tenant, resourceId=created["id"])
    assert _actions(items) == [
        ("apiKey.create", created["id"]),
        ("apiKey.rotate", created["id"]),
        ("apiKey.revoke", created["id"]),
    ]
    assert items[1]["details"] == {"name": "ci", "prefix": rotated["prefix"], "gracePeriodSeconds": 60}
    text = json.dumps(items)
    assert created["key"] not in text and rotated["key"] not in text


async def test_dlq_actions_are_recorded_at_their_entry_points(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id)
    letters = [
        await DeadLetter.create(
            tenant_id=tenant.id,
            instance_id=instance.id,
            sync_log_id=uuid.uuid4(),
            stage="validate",
            code="schema_invalid",
            message="price too high",
            payload={"externalId": str(i), "price": 500, "note": f"payload-{i}"},
            history=[],
        )
        for i in range(5)
    ]
    ids = [str(letter.id) for letter in letters]
    edited = {"payload": {"externalId": "0", "price": 5, "note": "edited-payload"}}
    assert (await client.post(f"/api/v1/dlq/{ids[0]}/replay", json=edited, headers=tenant.headers)).is_success
    assert (await client.post(f"/api/v1/dlq/{ids[1]}/discard", headers=tenant.headers)).is_success
    bulk_discard = await client.post("/api/v1/dlq/discard", json={"ids": ids[2:4]}, headers=tenant.headers)
    assert bulk_discard.json() == {"count": 2}
    by_filter = {"filter": {"instanceId": str(instance.id)}}
    assert (await client.post("/api/v1/dlq/replay", json=by_filter, headers=tenant.headers)).json() == {
        "count": 1
    }
    await drain()

    items = await entries(client, tenant, resourceType="deadLetter")
    assert _actions(items) == [
        ("dlq.replay", ids[0]),
        ("dlq.discard", ids[1]),
        ("dlq.bulkDiscard", None),
        ("dlq.bulkReplay", None),
    ]
    replay, bulk_discarded, bulk_replayed = items[3]["details"], items[1]["details"], items[0]["details"]
    assert replay["edited"] is True and set(replay) == {"edited", "syncLogId"}
    assert bulk_discarded == {"count": 2, "ids": ids[2:4], "idCount": 2}
    assert bulk_replayed == {"count": 1, "filter": {"instanceId": str(instance.id)}}
    assert "payload" not in json.dumps(items)


async def test_a_triggered_run_is_recorded_once_per_idempotency_key(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=2)
    headers = {**tenant.headers, "Idempotency-Key": uuid.uuid4().hex}
    for _ in range(2):
        answer = await client.post(
            "/api/v1/sync-events", json={"instanceId": str(instance.id)}, headers=headers
        )
        assert answer.status_code == 202
    await drain()
    items = await entries(client, tenant, action="syncEvent.create")
    assert _actions(items) == [("syncEvent.create", answer.json()["correlationId"])]
    assert items[0]["details"]["instanceId"] == str(instance.id)


async def test_a_failed_change_records_nothing(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    profile = await r.make_profile(client, tenant)
    stale = await client.patch(
        f"/api/v1/connection-profiles/{profile['id']}",
        json={"name": "late"},
        headers={**tenant.headers, "If-Match": '"7"'},
    )
    assert stale.status_code == 412
    invalid = await client.post("/api/v1/connection-profiles", json={"name": "x"}, headers=tenant.headers)
    assert invalid.status_code == 422
    recorded = _actions(await entries(client, tenant, resourceType="connectionProfile"))
    assert recorded == [("connectionProfile.create", profile["id"])]


async def test_no_secret_value_ever_reaches_an_entry(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    profile = await r.make_profile(
        client,
        tenant,
        kind="postgres",
        config={"dsn": "postgresql://app@db/app"},
        secrets={"password": PG_SECRET},
    )
    path = f"/connection-profiles/{profile['id']}"
    await _write(client, tenant, "PATCH", path, 1, {"secrets": {"password": NEW_PG_SECRET}})
    body = {**r.profile_body(), "kind": "postgres", "config": {"dsn": "postgresql://app@db/app"}}
    await _write(client, tenant, "PUT", path, 2, {**body, "secrets": {"password": PG_SECRET}})
    instance = await r.make_instance(client, tenant)
    await r.post(
        client,
        tenant,
        "/webhook-endpoints",
        {"instanceId": instance["id"], "provider": "shopify", "secret": WEBHOOK_SECRET, "topics": []},
    )
    generic = await r.post(client, tenant, "/webhook-endpoints", await r.endpoint_body(client, tenant))

    items = await entries(client, tenant)
    assert len(items) >= 5
    text = json.dumps(items)
    for secret in (PG_SECRET, NEW_PG_SECRET, WEBHOOK_SECRET, generic["secret"], tenant.key):
        assert secret not in text
    assert any(e["details"].get("fields") == ["secrets"] for e in items)  # the PATCH: its name only


async def test_another_tenant_never_sees_the_entries(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    profile = await r.make_profile(client, tenant)
    assert await entries(client, tenant, resourceId=profile["id"])
    assert await entries(client, other_tenant, resourceId=profile["id"]) == []
    # The other tenant sees its own history only: the creation of its first key.
    assert [e["action"] for e in await entries(client, other_tenant)] == ["apiKey.create"]
    other = GraphQLClient(client, other_tenant.headers)
    data = await other.data("{ auditLog { total items { action } } }")
    assert data["auditLog"] == {"total": 1, "items": [{"action": "apiKey.create"}]}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"actor": "x"}, id="unknown-filter"),
        pytest.param({"from": "yesterday"}, id="bad-from"),
        pytest.param({"from": "1700000000"}, id="unix-seconds-are-not-rfc3339"),
        pytest.param({"action": "x" * 201}, id="over-long-action"),
        pytest.param({"to": "2026-13-01T00:00:00Z"}, id="bad-to"),
        pytest.param({"resourceId": "not-a-uuid"}, id="bad-resource-id"),
        pytest.param({"pageSize": "0"}, id="bad-page-size"),
        pytest.param({"page": "x"}, id="bad-page"),
    ],
)
async def test_bad_filters_are_400(
    client: httpx.AsyncClient, tenant: TestTenant, params: dict[str, str]
) -> None:
    response = await client.get(AUDIT, params=params, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_filters_narrow_the_list(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    first, second = [await r.make_profile(client, tenant) for _ in range(2)]
    assert len(await entries(client, tenant, action="connectionProfile.create")) == 2
    assert _actions(await entries(client, tenant, resourceId=second["id"])) == [
        ("connectionProfile.create", second["id"])
    ]
    everything = await entries(client, tenant)
    assert len(everything) == 3  # with the tenant's first key
    assert await entries(
        client, tenant, **{"from": "2000-01-01T00:00:00Z", "to": "2999-01-01T00:00:00Z"}
    ) == (everything)
    assert await entries(client, tenant, **{"from": "2999-01-01T00:00:00Z"}) == []
    assert await entries(client, tenant, to="2000-01-01T00:00:00Z") == []
    page = (await client.get(AUDIT, params={"pageSize": "1", "page": "2"}, headers=tenant.headers)).json()
    assert (page["total"], [e["resourceId"] for e in page["items"]]) == (3, [first["id"]])


async def test_graphql_and_rest_agree(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    profile = await r.make_profile(client, tenant)
    await _write(client, tenant, "PATCH", f"/connection-profiles/{profile['id']}", 1, {"name": r.unique("p")})
    gql = GraphQLClient(client, tenant.headers)
    mutation = 'mutation { createApiKey(input: {name: "from-graphql"}) { __typename } }'
    await gql.data(mutation)

    rest = await entries(client, tenant)
    data = await gql.data(f"{{ auditLog(pageSize: 200) {{ total items {{ {ENTRY_FIELDS} }} }} }}")
    assert data["auditLog"]["total"] == len(rest) == 4  # with the tenant's first key
    as_rest = [
        {**e, "actor": {**e["actor"], "type": {"API_KEY": "apiKey", "SYSTEM": "system"}[e["actor"]["type"]]}}
        for e in data["auditLog"]["items"]
    ]
    assert as_rest == rest
    filtered = await gql.data(
        '{ auditLog(action: "connectionProfile.update", resourceType: "connectionProfile") { total } }'
    )
    assert filtered["auditLog"]["total"] == 1
    errors = await gql.errors("{ auditLog(pageSize: 0) { total } }")
    assert "pageSize" in errors[0]["message"]


async def test_the_first_key_of_a_new_tenant_is_recorded_as_made_by_the_system(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    key = await own_key(client, tenant)
    [entry] = await entries(client, tenant, action="apiKey.create")
    assert (entry["resourceId"], entry["actor"]["type"]) == (key["id"], "system")


async def test_cli_actions_are_recorded_as_cli(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    env = {**os.environ, "EZY_DATABASE_URL": runtime.settings.database_url}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ezy.cli", "keys", "create", "--tenant", str(tenant.id), "--name", "ops"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    created = json.loads(result.stdout)
    [entry] = await entries(client, tenant, action="apiKey.create", resourceId=created["id"])
    assert entry["actor"] == {"type": "cli", "apiKeyId": None, "prefix": None}
