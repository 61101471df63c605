"""Redis down when a run is started: 503 with Retry-After, nothing started, and the retry starts one."""

from __future__ import annotations

import socket

import httpx
import pytest
from arq.connections import ArqRedis

from ezy.dlq.models import DeadLetter
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance
from tests.runs.test_dlq import _partial_run

PROBLEM = "application/problem+json"


def assert_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["retry-after"]) > 0


async def trigger(client: httpx.AsyncClient, tenant: TestTenant, instance_id: object) -> httpx.Response:
    headers = {**tenant.headers, "Idempotency-Key": "while-redis-is-down"}
    return await client.post("/api/v1/sync-events", json={"instanceId": str(instance_id)}, headers=headers)


async def test_a_sync_event_is_503_and_leaves_no_run_then_its_retry_starts_exactly_one(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = await make_instance(runtime, tenant.id)
    with monkeypatch.context() as patched:
        patched.setattr(runtime, "_pool", _unreachable())
        assert_503(await trigger(client, tenant, instance.id))
        assert_503(await trigger(client, tenant, instance.id))
    assert await SyncLog.filter(instance_id=instance.id).count() == 0
    first, again = await trigger(client, tenant, instance.id), await trigger(client, tenant, instance.id)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert await SyncLog.filter(instance_id=instance.id).count() == 1


async def test_a_graphql_trigger_answers_http_503_with_a_service_unavailable_error(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = await make_instance(runtime, tenant.id)
    query = "mutation($id: ID!) { triggerSync(instanceId: $id) { __typename } }"
    with monkeypatch.context() as patched:
        patched.setattr(runtime, "_pool", _unreachable())
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"id": str(instance.id)}}, headers=tenant.headers
        )
    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert await SyncLog.filter(instance_id=instance.id).count() == 0


async def test_a_dlq_replay_is_503_and_the_message_stays_pending_for_the_retry(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    runtime: Runtime,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter = await DeadLetter.filter(instance_id=instance.id).first()
    assert letter is not None
    url = f"/api/v1/dlq/{letter.id}/replay"
    with monkeypatch.context() as patched:
        patched.setattr(runtime, "_pool", _unreachable())
        assert_503(await client.post(url, headers={**tenant.headers, "Idempotency-Key": "replay-1"}))
    await letter.refresh_from_db()
    assert (letter.status, letter.replay_sync_log_id) == ("pending", None)
    assert await SyncLog.filter(instance_id=instance.id, trigger="replay").count() == 0
    retried = await client.post(url, headers={**tenant.headers, "Idempotency-Key": "replay-1"})
    assert retried.status_code == 202
    assert await SyncLog.filter(instance_id=instance.id, trigger="replay").count() == 1


def _unreachable() -> ArqRedis:
    """A real Redis client for a port nobody listens on: every command is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return ArqRedis(host="127.0.0.1", port=port, socket_connect_timeout=1)
