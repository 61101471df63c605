"""Dashboards over GraphQL: aggregations count exactly what was run; run progress streams over WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.timefmt import rfc3339, utcnow
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.test_transport import _open, _WebSocket
from tests.runs import conftest as runs
from tests.runs.conftest import DOCUMENT, Drain, make_instance

drain = runs.drain  # the burst-worker fixture, for this module's tests

# Full reads (not incremental), so every run of an instance sees the same records and ends the same way.
STRICT = {**DOCUMENT, "extract": {"resource": "products", "batchSize": 5}}
# Without the price limit every sample product passes: a run that succeeds.
LENIENT = {**STRICT, "validate": {"required": ["externalId"]}}
HISTORY = """query($since: DateTime!, $bucket: HistoryBucket!, $instanceId: ID) {
  runHistory(since: $since, bucket: $bucket, instanceId: $instanceId) {
    bucketStart instanceId status runs records failed instance { name }
  }
}"""
HOTSPOTS = """query($since: DateTime!, $instanceId: ID) {
  errorHotspots(since: $since, instanceId: $instanceId) { stage code count lastSeenAt }
}"""
DEPTH = "{ dlqDepth { instanceId pending replaying instance { id } } }"
PROGRESS = """subscription($id: ID!) {
  runProgress(correlationId: $id) { status counts { total success failed skipped } stages { load { out } } }
}"""


async def _run(tenant: TestTenant, instance: Instance, times: int = 1) -> None:
    for _ in range(times):
        await start_run(tenant.id, instance.id, RunRequest("api"))


def _an_hour_ago() -> str:
    return str(rfc3339(utcnow() - timedelta(hours=1)))


@pytest.fixture
async def two_instances(tenant: TestTenant, runtime: Runtime, drain: Drain) -> tuple[Instance, Instance, int]:
    """`strict` ran twice (partial), `lenient` once (succeeded); and how many records a strict run failed."""
    strict = await make_instance(runtime, tenant.id, count=20, document=STRICT)
    lenient = await make_instance(runtime, tenant.id, count=3, document=LENIENT)
    await _run(tenant, strict, times=2)
    await _run(tenant, lenient)
    await drain()
    failed = {log.failed for log in await SyncLog.filter(instance_id=strict.id)}
    assert len(failed) == 1 and failed != {0}
    return strict, lenient, failed.pop()


@pytest.mark.parametrize("bucket", ["HOUR", "DAY"])
async def test_run_history_counts_the_runs_by_instance_and_status(
    gql: GraphQLClient, two_instances: tuple[Instance, Instance, int], bucket: str
) -> None:
    strict, lenient, failed = two_instances
    rows = (await gql.data(HISTORY, {"since": _an_hour_ago(), "bucket": bucket}))["runHistory"]
    totals: Counter[tuple[str, str, str]] = Counter()
    for row in rows:  # a run at an hour's (or day's) edge may fall into the next bucket
        for measure in ("runs", "records", "failed"):
            totals[(row["instance"]["name"], row["status"], measure)] += row[measure]
    assert totals == Counter(
        {
            (strict.name, "PARTIAL", "runs"): 2,
            (strict.name, "PARTIAL", "records"): 40,
            (strict.name, "PARTIAL", "failed"): 2 * failed,
            (lenient.name, "SUCCEEDED", "runs"): 1,
            (lenient.name, "SUCCEEDED", "records"): 3,
        }
    )


async def test_run_history_for_one_instance(
    gql: GraphQLClient, two_instances: tuple[Instance, Instance, int]
) -> None:
    _, lenient, _ = two_instances
    variables = {"since": _an_hour_ago(), "bucket": "DAY", "instanceId": str(lenient.id)}
    rows = (await gql.data(HISTORY, variables))["runHistory"]
    assert [(r["instanceId"], r["status"], r["runs"]) for r in rows] == [(str(lenient.id), "SUCCEEDED", 1)]


async def test_error_hotspots_and_dlq_depth_count_the_failed_records(
    gql: GraphQLClient, two_instances: tuple[Instance, Instance, int]
) -> None:
    strict, _, failed = two_instances
    spots = (await gql.data(HOTSPOTS, {"since": _an_hour_ago()}))["errorHotspots"]
    assert [(s["stage"], s["code"], s["count"]) for s in spots] == [
        ("VALIDATE", "schema_invalid", 2 * failed)
    ]
    assert spots[0]["lastSeenAt"].endswith("Z")
    depth = (await gql.data(DEPTH))["dlqDepth"]
    assert depth == [
        {
            "instanceId": str(strict.id),
            "pending": 2 * failed,
            "replaying": 0,
            "instance": {"id": str(strict.id)},
        }
    ]


async def test_another_tenant_sees_none_of_it(
    other_gql: GraphQLClient, two_instances: tuple[Instance, Instance, int]
) -> None:
    strict, _, _ = two_instances
    history = await other_gql.data(HISTORY, {"since": _an_hour_ago(), "bucket": "DAY"})
    spots = await other_gql.data(HOTSPOTS, {"since": _an_hour_ago(), "instanceId": str(strict.id)})
    assert (history["runHistory"], spots["errorHotspots"], (await other_gql.data(DEPTH))["dlqDepth"]) == (
        [],
        [],
        [],
    )


@pytest.mark.parametrize(
    ("since", "bucket", "pointer"),
    [
        pytest.param(timedelta(days=91), "HOUR", "/since", id="hourly-over-90-days"),
        pytest.param(timedelta(days=-1), "DAY", "/until", id="since-in-the-future"),
    ],
)
async def test_bad_ranges_are_errors_with_pointers(
    gql: GraphQLClient, since: timedelta, bucket: str, pointer: str
) -> None:
    variables = {"since": rfc3339(utcnow() - since), "bucket": bucket}
    (error,) = await gql.errors(HISTORY, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [e["pointer"] for e in error["extensions"]["fieldErrors"]] == [pointer]


async def _subscribe(app: Starlette, tenant: TestTenant, correlation_id: object) -> _WebSocket:
    ws = await _open(app, {"Authorization": f"ApiKey {tenant.key}"}, [])
    assert json.loads((await ws.next())["text"]) == {"type": "connection_ack"}
    await ws.send_json(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": PROGRESS, "variables": {"id": str(correlation_id)}},
        }
    )
    return ws


async def _messages(ws: _WebSocket) -> list[dict[str, Any]]:
    """Every message of operation 1 up to and including its `complete` or `error`."""
    received = []
    while True:
        message = json.loads((await ws.next())["text"])
        received.append(message)
        if message["type"] in ("complete", "error"):
            return received


async def test_run_progress_streams_updates_and_ends_with_the_final_status(
    app: Starlette, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=20)
    log = await start_run(tenant.id, instance.id, RunRequest("api"))
    ws = await _subscribe(app, tenant, log.correlation_id)
    first = json.loads((await ws.next())["text"])  # answered before any worker runs
    worker = asyncio.ensure_future(drain())
    messages = [first, *await _messages(ws)]
    await worker
    await ws.close()

    *updates, end = messages
    assert end == {"id": "1", "type": "complete"}
    assert all(m["type"] == "next" and "errors" not in m["payload"] for m in updates)
    runs_seen = [m["payload"]["data"]["runProgress"] for m in updates]
    assert runs_seen[0]["status"] == "QUEUED" and runs_seen[0]["counts"]["total"] == 0
    final = runs_seen[-1]
    assert final["status"] == "PARTIAL" and final["counts"]["total"] == 20
    assert final["stages"]["load"]["out"] == final["counts"]["success"]


async def test_run_progress_of_a_finished_run_answers_once(
    app: Starlette, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=3, document=LENIENT)
    log = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    ws = await _subscribe(app, tenant, log.correlation_id)
    messages = await _messages(ws)
    await ws.close()
    assert [m["type"] for m in messages] == ["next", "complete"]
    assert messages[0]["payload"]["data"]["runProgress"]["status"] == "SUCCEEDED"


async def test_run_progress_of_another_tenants_run_is_not_found(
    app: Starlette, tenant: TestTenant, other_tenant: TestTenant, runtime: Runtime
) -> None:
    theirs = await make_instance(runtime, other_tenant.id)
    log = await start_run(other_tenant.id, theirs.id, RunRequest("api"))
    ws = await _subscribe(app, tenant, log.correlation_id)
    messages = await _messages(ws)
    await ws.close()
    (error,) = messages[0]["payload"]["errors"]
    assert messages[0]["payload"]["data"] is None and "not found" in error["message"]
    assert [m["type"] for m in messages] == ["next", "complete"]


TOTALS = """query($since: DateTime!, $instanceId: ID) {
  runTotals(since: $since, bucket: DAY, instanceId: $instanceId) { bucketStart status runs records failed }
}"""


async def test_run_totals_add_up_every_instance_per_status(
    gql: GraphQLClient, two_instances: tuple[Instance, Instance, int]
) -> None:
    _, lenient, failed = two_instances
    rows = (await gql.data(TOTALS, {"since": _an_hour_ago()}))["runTotals"]
    totals: Counter[tuple[str, str]] = Counter()
    for row in rows:  # runs at a day's edge may fall into the next bucket
        for measure in ("runs", "records", "failed"):
            totals[(row["status"], measure)] += row[measure]
    assert totals == Counter(
        {
            ("PARTIAL", "runs"): 2,
            ("PARTIAL", "records"): 40,
            ("PARTIAL", "failed"): 2 * failed,
            ("SUCCEEDED", "runs"): 1,
            ("SUCCEEDED", "records"): 3,
        }
    )
    mine = (await gql.data(TOTALS, {"since": _an_hour_ago(), "instanceId": str(lenient.id)}))["runTotals"]
    assert [(r["status"], r["runs"], r["records"]) for r in mine] == [("SUCCEEDED", 1, 3)]
