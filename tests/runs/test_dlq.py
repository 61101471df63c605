"""The dead letter queue over REST: inspect, replay (one, edited, many), discard, and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import DOCUMENT, Drain, make_instance


async def _partial_run(tenant: TestTenant, runtime: Runtime, drain: Drain, count: int = 20) -> Instance:
    from ezy.runs.service import RunRequest, start_run

    instance = await make_instance(runtime, tenant.id, count=count)
    await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    return instance


async def _letters(client: httpx.AsyncClient, tenant: TestTenant, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/dlq", params=params, headers=tenant.headers)
    assert response.status_code == 200
    return dict(response.json())


async def _allow_expensive_products(instance: Instance) -> None:
    """The operator's fix: the mapping no longer rejects prices over 100."""
    document = {**DOCUMENT, "validate": {"required": ["externalId"], "schema": {"type": "object"}}}
    await MappingConfiguration.filter(id=instance.mapping_id).update(document=document)


async def test_failed_records_are_listed_and_inspectable(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    listed = await _letters(client, tenant, instanceId=str(instance.id), status="pending", stage="validate")
    assert listed["total"] > 0 and "payload" not in listed["items"][0]
    first = listed["items"][0]
    detail = (await client.get(f"/api/v1/dlq/{first['id']}", headers=tenant.headers)).json()
    # The source record as the sample store sent it, and the mapped record that failed, for display.
    assert float(detail["payload"]["variants"][0]["price"]) > 100 and "price" not in detail["payload"]
    assert detail["mappedPayload"]["price"] > 100
    assert detail["mappedPayload"]["externalId"] == str(detail["payload"]["id"])
    assert detail["error"]["code"] == "schema_invalid" and detail["attempts"] == 1
    assert detail["history"][0]["outcome"] == "failed"
    assert (await _letters(client, tenant, stage="load", instanceId=str(instance.id)))["total"] == 0


async def test_replay_that_fails_again_stays_pending_with_one_more_attempt(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    response = await client.post(f"/api/v1/dlq/{letter_id}/replay", headers=tenant.headers)
    assert response.status_code == 202
    await drain()
    letter = (await client.get(f"/api/v1/dlq/{letter_id}", headers=tenant.headers)).json()
    assert letter["status"] == "pending" and letter["attempts"] == 2
    assert [h["outcome"] for h in letter["history"]] == ["failed", "failed"]
    run = await SyncLog.get(correlation_id=response.json()["correlationId"])
    assert (run.trigger, run.status, run.total, run.failed) == ("replay", "failed", 1, 1)
    assert await DeadLetter.filter(instance_id=instance.id).count() == (
        await SyncLog.filter(instance_id=instance.id, trigger="api").first().values_list("failed", flat=True)
    )


async def test_replay_after_fixing_the_mapping_resolves_and_links_the_run(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    await _allow_expensive_products(instance)
    response = await client.post(f"/api/v1/dlq/{letter_id}/replay", json={}, headers=tenant.headers)
    await drain()
    letter = (await client.get(f"/api/v1/dlq/{letter_id}", headers=tenant.headers)).json()
    run = await SyncLog.get(correlation_id=response.json()["correlationId"])
    assert letter["status"] == "resolved" and letter["resolvedBySyncLogId"] == str(run.id)
    assert run.status == "succeeded" and run.success == 1


async def test_an_edited_source_record_of_a_validate_failure_is_mapped_again(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    stored = (await client.get(f"/api/v1/dlq/{letter_id}", headers=tenant.headers)).json()["payload"]
    # The operator fixes the one bad value in the source record.
    edited = {**stored, "variants": [{**stored["variants"][0], "price": "99.00"}]}
    response = await client.post(
        f"/api/v1/dlq/{letter_id}/replay", json={"payload": edited}, headers=tenant.headers
    )
    assert response.status_code == 202
    await drain()
    letter = (await client.get(f"/api/v1/dlq/{letter_id}", headers=tenant.headers)).json()
    assert letter["status"] == "resolved" and letter["payload"] == edited
    assert any(h["outcome"] == "edited" for h in letter["history"])
    run = await SyncLog.get(correlation_id=response.json()["correlationId"])
    assert run.status == "succeeded"
    assert (run.stages["normalize"]["in"], run.stages["transform"]["in"]) == (1, 1)


async def test_an_edited_source_record_runs_from_normalize(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    failed_run = await SyncLog.get(instance_id=instance.id, trigger="api")
    letter = await DeadLetter.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        sync_log_id=failed_run.id,
        stage="transform",
        code="expression_error",
        message="bad price",
        entity_key="42",
        payload={"id": 42, "title": "x", "variants": [{"price": "abc"}]},
    )
    edited = {"id": 42, "title": " Fixed ", "variants": [{"price": "9.50"}]}
    response = await client.post(
        f"/api/v1/dlq/{letter.id}/replay", json={"payload": edited}, headers=tenant.headers
    )
    await drain()
    run = await SyncLog.get(correlation_id=response.json()["correlationId"])
    assert run.status == "succeeded" and run.stages["normalize"]["in"] == 1
    assert (await DeadLetter.get(id=letter.id)).status == "resolved"


async def test_discarded_messages_cannot_be_replayed_or_discarded_again(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    discarded = await client.post(f"/api/v1/dlq/{letter_id}/discard", headers=tenant.headers)
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    for action in ("replay", "discard"):
        again = await client.post(f"/api/v1/dlq/{letter_id}/{action}", headers=tenant.headers)
        assert again.status_code == 409, action


async def test_replaying_one_message_twice_at_once_processes_it_once(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    answers = await asyncio.gather(
        *[client.post(f"/api/v1/dlq/{letter_id}/replay", headers=tenant.headers) for _ in range(4)]
    )
    assert sorted(a.status_code for a in answers) == [202, 409, 409, 409]
    assert await SyncLog.filter(instance_id=instance.id, trigger="replay").count() == 1


async def test_bulk_replay_by_filter_runs_in_the_background_and_resolves_all(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain, count=60)
    pending = (await _letters(client, tenant, instanceId=str(instance.id), status="pending"))["total"]
    await _allow_expensive_products(instance)
    response = await client.post(
        "/api/v1/dlq/replay", json={"filter": {"instanceId": str(instance.id)}}, headers=tenant.headers
    )
    assert response.status_code == 202 and response.json() == {"count": pending}
    await drain()
    assert (await _letters(client, tenant, instanceId=str(instance.id), status="resolved"))[
        "total"
    ] == pending
    assert (await _letters(client, tenant, instanceId=str(instance.id), status="pending"))["total"] == 0


async def test_bulk_discard_by_ids_counts_only_pending(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    ids = [item["id"] for item in (await _letters(client, tenant, instanceId=str(instance.id)))["items"][:2]]
    first = await client.post("/api/v1/dlq/discard", json={"ids": ids}, headers=tenant.headers)
    again = await client.post("/api/v1/dlq/discard", json={"ids": ids}, headers=tenant.headers)
    assert (first.status_code, first.json()) == (202, {"count": 2})
    assert again.json() == {"count": 0}


async def test_replay_of_an_inactive_instance_is_409(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    await Instance.filter(id=instance.id).update(status="inactive")
    response = await client.post(f"/api/v1/dlq/{letter_id}/replay", headers=tenant.headers)
    assert response.status_code == 409
    assert (await DeadLetter.get(id=letter_id)).status == "pending"


async def test_another_tenants_messages_are_not_found(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(other_tenant, runtime, drain)
    theirs = (await _letters(client, other_tenant, instanceId=str(instance.id)))["items"][0]["id"]
    for method, path in [
        ("GET", f"/api/v1/dlq/{theirs}"),
        ("POST", f"/api/v1/dlq/{theirs}/replay"),
        ("POST", f"/api/v1/dlq/{theirs}/discard"),
    ]:
        assert (await client.request(method, path, headers=tenant.headers)).status_code == 404
    bulk = await client.post("/api/v1/dlq/discard", json={"ids": [theirs]}, headers=tenant.headers)
    assert bulk.json() == {"count": 0}
    assert (await DeadLetter.get(id=theirs)).status == "pending"


@pytest.mark.parametrize(
    ("path", "body", "status", "pointer"),
    [
        pytest.param("/api/v1/dlq/replay", {}, 422, "", id="bulk-neither-ids-nor-filter"),
        pytest.param("/api/v1/dlq/replay", {"ids": [], "filter": {}}, 422, "", id="bulk-both"),
        pytest.param("/api/v1/dlq/replay", {"ids": ["nope"]}, 422, "/ids/0", id="bulk-bad-id"),
        pytest.param("/api/v1/dlq/replay", {"ids": "x"}, 422, "/ids", id="bulk-ids-not-list"),
        pytest.param(
            "/api/v1/dlq/discard", {"filter": {"color": "red"}}, 422, "/filter/color", id="bad-filter"
        ),
        pytest.param(
            "/api/v1/dlq/discard", {"filter": {"stage": "nowhere"}}, 422, "/filter/stage", id="bad-stage"
        ),
        pytest.param(
            "/api/v1/dlq/discard", {"filter": {"from": "yesterday"}}, 422, "/filter/from", id="bad-from"
        ),
        pytest.param(
            "/api/v1/dlq/discard",
            {"filter": {"status": "pending"}},
            422,
            "/filter/status",
            id="status-filter",
        ),
        pytest.param("/api/v1/dlq/discard", {"ids": [1], "x": 1}, 422, "/x", id="unknown-field"),
        pytest.param(
            "/api/v1/dlq/discard", {"filter": {"code": 5}}, 422, "/filter/code", id="code-not-string"
        ),
    ],
)
async def test_bad_bulk_bodies(
    client: httpx.AsyncClient, tenant: TestTenant, path: str, body: object, status: int, pointer: str
) -> None:
    response = await client.post(path, json=body, headers=tenant.headers)
    assert response.status_code == status
    assert pointer in [e["pointer"] for e in response.json().get("errors", [])]


async def test_bad_single_replay_input(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = (await _letters(client, tenant, instanceId=str(instance.id)))["items"][0]["id"]
    path = f"/api/v1/dlq/{letter_id}/replay"
    not_object = await client.post(path, json={"payload": [1, 2]}, headers=tenant.headers)
    assert not_object.status_code == 422 and not_object.json()["errors"][0]["pointer"] == "/payload"
    malformed = await client.post(
        path, content=b'{"payload": {', headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert (await client.post(path)).status_code == 401
    assert (
        await client.post("/api/v1/dlq/00000000-0000-0000-0000-000000000000/replay", headers=tenant.headers)
    ).status_code == 404
    assert (await DeadLetter.get(id=letter_id)).status == "pending"


@pytest.mark.parametrize(
    "query", ["status=lost", "stage=nowhere", "instanceId=nope", "from=soon", "page=0", "color=red"]
)
async def test_bad_list_parameters_are_400(client: httpx.AsyncClient, tenant: TestTenant, query: str) -> None:
    response = await client.get(f"/api/v1/dlq?{query}", headers=tenant.headers)
    assert response.status_code == 400


async def test_a_bad_bulk_body_lists_every_invalid_field_at_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"filter": {"stage": "nowhere", "from": "yesterday", "code": 5, "status": "pending"}}
    response = await client.post("/api/v1/dlq/discard", json=body, headers=tenant.headers)
    assert response.status_code == 422
    assert sorted(e["pointer"] for e in response.json()["errors"]) == [
        "/filter/code",
        "/filter/from",
        "/filter/stage",
        "/filter/status",
    ]
    assert "yesterday" not in response.text  # messages never quote the value


@pytest.mark.parametrize("query", ["from=1700000000", "to=2026-13-01T00:00:00Z", "code=" + "x" * 201])
async def test_list_timestamps_are_rfc3339_only(
    client: httpx.AsyncClient, tenant: TestTenant, query: str
) -> None:
    response = await client.get(f"/api/v1/dlq?{query}", headers=tenant.headers)
    assert response.status_code == 400


async def test_list_filters_by_code_and_time(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    every = await _letters(client, tenant, instanceId=str(instance.id))
    first = every["items"][-1]
    assert (await _letters(client, tenant, code=first["error"]["code"]))["total"] == every["total"]
    assert (await _letters(client, tenant, code="no_such_code"))["total"] == 0
    assert (await _letters(client, tenant, **{"from": first["createdAt"]}))["total"] == every["total"]
    assert (await _letters(client, tenant, to=first["createdAt"]))["total"] == 0
