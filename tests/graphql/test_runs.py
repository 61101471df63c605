"""Runs over GraphQL: trigger, follow, read logs and errors, with REST's idempotency keys and scoping."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.test_dataloaders import counting_sql
from tests.runs import conftest as runs
from tests.runs.conftest import Drain, make_instance

drain = runs.drain  # the burst-worker fixture, for this module's tests

COUNTS = "counts { total success failed skipped }"
LOG = f"id instanceId correlationId trigger status {COUNTS} stages {{ validate {{ in out failed }} }} error"
TRIGGER = f"""mutation($id: ID!, $key: String) {{
  triggerSync(instanceId: $id, idempotencyKey: $key) {{
    __typename
    ... on SyncStartedPayload {{ correlationId syncLog {{ {LOG} }} }}
    ... on ValidationError {{ message fieldErrors {{ pointer message }} }}
    ... on ConflictError {{ message }}
  }}
}}"""
EVENT = f"""query($id: ID!) {{
  syncEvent(correlationId: $id) {{ correlationId status syncLogId {COUNTS} syncLog {{ {LOG} }} }}
}}"""
LOGS = f"""query(
  $instanceId: ID, $status: SyncStatus, $trigger: SyncTrigger, $from: DateTime, $n: Int! = 50
) {{
  syncLogs(instanceId: $instanceId, status: $status, trigger: $trigger, from: $from, pageSize: $n) {{
    total items {{ {LOG} instance {{ id name }} }}
  }}
}}"""
ERRORS = """query($id: ID!, $n: Int!) {
  syncLogErrors(syncLogId: $id, pageSize: $n) { total items { entityKey stage code message deadLetterId } }
}"""


async def _trigger(gql: GraphQLClient, instance_id: object, key: str | None = None) -> dict[str, Any]:
    data = await gql.data(TRIGGER, {"id": str(instance_id), "key": key})
    result: dict[str, Any] = data["triggerSync"]
    return result


async def test_trigger_then_poll_shows_the_finished_run(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=20)
    started = await _trigger(gql, instance.id)
    assert started["__typename"] == "SyncStartedPayload"
    assert started["syncLog"]["status"] == "QUEUED" and started["syncLog"]["trigger"] == "API"

    await drain()

    event = (await gql.data(EVENT, {"id": started["correlationId"]}))["syncEvent"]
    counts = event["counts"]
    assert event["status"] == "PARTIAL" and event["syncLogId"] == started["syncLog"]["id"]
    assert counts["total"] == 20 == counts["success"] + counts["failed"] + counts["skipped"]
    assert counts["failed"] > 0 and counts["success"] > 0
    assert event["syncLog"]["stages"]["validate"]["failed"] == counts["failed"]


async def test_the_same_idempotency_key_over_graphql_and_rest_starts_one_run(
    client: httpx.AsyncClient, gql: GraphQLClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id)
    first = await _trigger(gql, instance.id, key="k-1")
    again = await _trigger(gql, instance.id, key="k-1")
    rest = await client.post(
        "/api/v1/sync-events",
        json={"instanceId": str(instance.id)},
        headers={**tenant.headers, "Idempotency-Key": "k-1"},
    )
    assert rest.status_code == 202
    assert first["correlationId"] == again["correlationId"] == rest.json()["correlationId"]
    assert await SyncLog.filter(instance_id=instance.id).count() == 1


async def test_a_key_first_used_over_rest_answers_that_run_over_graphql(
    client: httpx.AsyncClient, gql: GraphQLClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id)
    rest = await client.post(
        "/api/v1/sync-events",
        json={"instanceId": str(instance.id)},
        headers={**tenant.headers, "Idempotency-Key": "k-2"},
    )
    started = await _trigger(gql, instance.id, key="k-2")
    assert started["syncLog"]["id"] == rest.json()["syncLogId"]
    assert await SyncLog.filter(instance_id=instance.id).count() == 1


async def test_a_key_reused_for_another_instance_is_a_validation_error(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime
) -> None:
    first, second = [await make_instance(runtime, tenant.id) for _ in range(2)]
    await _trigger(gql, first.id, key="k-3")
    reused = await _trigger(gql, second.id, key="k-3")
    assert reused["__typename"] == "ValidationError"
    assert await SyncLog.filter(instance_id=second.id).count() == 0


async def test_an_inactive_instance_is_a_conflict(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id, status="inactive")
    result = await _trigger(gql, instance.id)
    assert result["__typename"] == "ConflictError" and "inactive" in result["message"]
    assert await SyncLog.filter(instance_id=instance.id).count() == 0


@pytest.mark.parametrize("whose", ["other-tenant", "unknown", "not-a-uuid"])
async def test_an_instance_you_do_not_have_is_a_validation_error(
    gql: GraphQLClient, other_tenant: TestTenant, runtime: Runtime, whose: str
) -> None:
    ids = {
        "other-tenant": str((await make_instance(runtime, other_tenant.id)).id),
        "unknown": str(uuid.uuid4()),
        "not-a-uuid": "nope",
    }
    result = await _trigger(gql, ids[whose])
    assert result["__typename"] == "ValidationError"
    assert [e["pointer"] for e in result["fieldErrors"]] == ["/instanceId"]


async def test_another_tenants_runs_read_as_null(
    gql: GraphQLClient, other_tenant: TestTenant, runtime: Runtime
) -> None:
    theirs = await make_instance(runtime, other_tenant.id)
    log = await start_run(other_tenant.id, theirs.id, RunRequest("api"))
    query = """query($c: ID!, $id: ID!) {
      syncEvent(correlationId: $c) { status } syncLog(id: $id) { status }
      syncLogErrors(syncLogId: $id) { total } syncLogs { total }
    }"""
    data = await gql.data(query, {"c": str(log.correlation_id), "id": str(log.id)})
    assert data == {"syncEvent": None, "syncLog": None, "syncLogErrors": None, "syncLogs": {"total": 0}}


async def test_logs_filter_by_instance_status_trigger_and_time(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=20)
    other = await make_instance(runtime, tenant.id, count=3)
    await start_run(tenant.id, instance.id, RunRequest("api"))
    await start_run(tenant.id, other.id, RunRequest("schedule"))
    await drain()

    def total(variables: dict[str, Any]) -> Any:
        return gql.data(LOGS, {"instanceId": str(instance.id), **variables})

    assert (await total({}))["syncLogs"]["total"] == 1
    assert (await total({"status": "PARTIAL", "trigger": "API"}))["syncLogs"]["total"] == 1
    assert (await total({"status": "SUCCEEDED"}))["syncLogs"]["total"] == 0
    assert (await total({"trigger": "SCHEDULE"}))["syncLogs"]["total"] == 0
    assert (await total({"from": "2099-01-01T00:00:00Z"}))["syncLogs"]["total"] == 0
    item = (await total({}))["syncLogs"]["items"][0]
    assert item["instance"] == {"id": str(instance.id), "name": instance.name}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        pytest.param({"instanceId": "nope"}, "BAD_USER_INPUT", id="instance-not-a-uuid"),
        pytest.param({"status": "DONE"}, None, id="unknown-status"),
        pytest.param({"from": "yesterday"}, None, id="bad-timestamp"),
        pytest.param({"n": 201}, "BAD_USER_INPUT", id="page-size-over-cap"),
    ],
)
async def test_bad_log_filters_are_errors(
    gql: GraphQLClient, variables: dict[str, Any], code: str | None
) -> None:
    (error,) = await gql.errors(LOGS, variables)
    assert error.get("extensions", {}).get("code") == code


async def test_a_runs_errors_are_paged_and_point_to_dead_letters(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=20)
    log = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    failed = (await SyncLog.get(id=log.id)).failed

    page = (await gql.data(ERRORS, {"id": str(log.id), "n": 2}))["syncLogErrors"]
    assert page["total"] == failed and len(page["items"]) == 2
    assert all(e["stage"] == "VALIDATE" and e["deadLetterId"] for e in page["items"])


async def test_the_log_list_costs_the_same_sql_for_2_and_20_items(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instances = [await make_instance(runtime, tenant.id) for _ in range(4)]
    for i in range(20):
        await start_run(tenant.id, instances[i % 4].id, RunRequest("api"))
    await gql.data("{ apiKeys { total } }")  # the key's `lastUsedAt` write happens now, not while counting

    statements = []
    for size in (2, 20):
        with counting_sql() as counter:
            data = await gql.data(LOGS, {"n": size})
        assert len(data["syncLogs"]["items"]) == size
        statements.append(counter.statements)
    assert len(statements[0]) == len(statements[1]), "\n".join(statements[1])
    assert len(statements[1]) <= 5  # auth, count, page, one batch of instances
