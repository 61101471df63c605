from __future__ import annotations

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.runs.models import EntityError, SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance


async def _trigger(
    client: httpx.AsyncClient, tenant: TestTenant, instance_id: object, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/sync-events", json={"instanceId": str(instance_id)}, headers={**tenant.headers, **headers}
    )


async def test_trigger_queues_then_poll_shows_the_finished_run(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=20)
    response = await _trigger(client, tenant, instance.id)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert response.headers["location"] == f"/api/v1/sync-events/{body['correlationId']}"
    queued = (await client.get(response.headers["location"], headers=tenant.headers)).json()
    assert queued["status"] == "queued" and queued["counts"]["total"] == 0

    await drain()

    done = (await client.get(response.headers["location"], headers=tenant.headers)).json()
    counts = done["counts"]
    assert done["status"] == "partial"
    assert (
        counts["total"] == 20 and counts["total"] == counts["success"] + counts["failed"] + counts["skipped"]
    )
    assert counts["failed"] > 0 and counts["success"] > 0
    assert done["startedAt"] and done["finishedAt"]
    # every failed record has one entity error and one dead letter with its source and mapped records
    errors = await EntityError.filter(sync_log_id=done["syncLogId"])
    letters = await DeadLetter.filter(sync_log_id=done["syncLogId"])
    assert len(errors) == len(letters) == counts["failed"]
    assert {e.dead_letter_id for e in errors} == {letter.id for letter in letters}
    assert all(letter.payload["id"] and letter.mapped_payload["externalId"] for letter in letters)


async def test_idempotency_key_returns_the_first_answer_and_starts_one_run(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id)
    first = await _trigger(client, tenant, instance.id, **{"Idempotency-Key": "abc-1"})
    again = await _trigger(client, tenant, instance.id, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert await SyncLog.filter(instance_id=instance.id).count() == 1
    other = await client.post(
        "/api/v1/sync-events",
        json={"instanceId": str(instance.id), "x": 1},
        headers={**tenant.headers, "Idempotency-Key": "abc-1"},
    )
    assert other.status_code == 422


async def test_inactive_instance_is_409(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id, status="inactive")
    response = await _trigger(client, tenant, instance.id)
    assert response.status_code == 409
    assert await SyncLog.filter(instance_id=instance.id).count() == 0


async def test_another_tenants_instance_is_422_and_event_404(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, runtime: Runtime
) -> None:
    theirs = await make_instance(runtime, other_tenant.id)
    response = await _trigger(client, tenant, theirs.id)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/instanceId"
    started = await _trigger(client, other_tenant, theirs.id)
    peek = await client.get(started.headers["location"], headers=tenant.headers)
    assert peek.status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 422, id="missing-instance"),
        pytest.param({"instanceId": 5}, 422, id="wrong-type"),
        pytest.param({"instanceId": "not-a-uuid"}, 422, id="not-a-uuid"),
        pytest.param({"instanceId": "00000000-0000-0000-0000-000000000000"}, 422, id="unknown"),
        pytest.param(
            {"instanceId": "00000000-0000-0000-0000-000000000000", "extra": 1}, 422, id="unknown-field"
        ),
        pytest.param([1], 422, id="not-an-object"),
    ],
)
async def test_bad_trigger_bodies(
    client: httpx.AsyncClient, tenant: TestTenant, body: object, status: int
) -> None:
    response = await client.post("/api/v1/sync-events", json=body, headers=tenant.headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_json_and_missing_auth(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    malformed = await client.post(
        "/api/v1/sync-events", content=b"{", headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    anonymous = await client.post("/api/v1/sync-events", json={"instanceId": "x"})
    assert anonymous.status_code == 401
    unknown = await client.get("/api/v1/sync-events/not-a-uuid", headers=tenant.headers)
    assert unknown.status_code == 404
