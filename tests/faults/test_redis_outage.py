"""Redis SIGKILLed during a burst of API triggers and webhook deliveries, then started again (empty).

`ezy serve`, `ezy worker` and `ezy scheduler` run as subprocesses; nobody restarts them. Every
trigger and delivery the API acknowledged (202) must end processed or failed, exactly once, with
exact counts, and the worker and scheduler must still be running.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from ezy.queue import QUEUE_NAME
from tests.faults.conftest import Ezy, RedisServer, free_port

pytestmark = pytest.mark.faults
RECORDS = 3  # per triggered run (the sample source); a delivery carries one record
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "batchSize": 5},
    "transform": {
        "key": "$string(id)",
        "fields": {"externalId": "$string(id)", "title": "title", "price": "$number(variants[0].price)"},
    },
    "validate": {"required": ["externalId"]},
    "load": {"resource": "items", "keys": ["externalId"], "batchSize": 5},
}
TERMINAL = {"succeeded", "partial", "failed", "cancelled"}


async def _created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/v1{path}", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _active_instances(client: httpx.AsyncClient, count: int, records: int = RECORDS) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    profile = await _created(
        client,
        "/connection-profiles",
        {"name": f"sample-{tag}", "kind": "sample", "config": {"count": records, "seed": 3}},
    )
    mapping = await _created(client, "/mapping-configurations", {"name": f"map-{tag}", "document": DOCUMENT})
    ids = []
    for n in range(count):
        instance = await _created(
            client,
            "/instances",
            {
                "name": f"inst-{tag}-{n}",
                "sourceProfileId": profile["id"],
                "targetProfileId": profile["id"],
                "mappingId": mapping["id"],
            },
        )
        activated = await client.post(
            f"/api/v1/instances/{instance['id']}/activate", headers={"If-Match": '"1"'}
        )
        assert activated.status_code == 200, activated.text
        ids.append(instance["id"])
    return ids


async def _ready(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "ezy serve did not become ready"
        await asyncio.sleep(0.1)


async def _all(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    deadline = time.monotonic() + 60
    while True:
        response = await client.get(f"/api/v1{path}", params={"page": page, "pageSize": 200})
        if response.status_code in (429, 503) and time.monotonic() < deadline:
            # Rate limited after a burst on the same key, or a backend still coming back: as a client would.
            await asyncio.sleep(min(float(response.headers.get("retry-after") or 1), 5))
            continue
        body = response.json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


async def test_a_redis_kill_during_a_burst_loses_nothing_and_runs_nothing_twice(
    ezy: Ezy, redis_server: RedisServer
) -> None:
    key = ezy.tenant_key()
    port = free_port()
    ezy.start("api", "serve", EZY_PORT=str(port))
    worker = ezy.start("worker", "worker")
    scheduler = ezy.start("scheduler", "scheduler")
    auth = {"Authorization": f"ApiKey {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=30) as client:
        await _ready(client)
        instances = await _active_instances(client, 4)
        endpoint = await _created(
            client, "/webhook-endpoints", {"instanceId": instances[0], "provider": "generic"}
        )

        async def trigger(n: int) -> tuple[str, httpx.Response]:
            if n % 2:
                body = {"instanceId": instances[n // 2 % len(instances)]}
                return "trigger", await client.post("/api/v1/sync-events", json=body)
            record = {"id": n, "title": f"item {n}", "variants": [{"price": "9.50"}]}
            headers = {"webhook-id": f"burst-{n}"}
            return "delivery", await client.post(
                f"/api/v1/webhooks/{endpoint['id']}", json=record, headers=headers
            )

        sent: list[asyncio.Task[tuple[str, httpx.Response]]] = []
        for phase in ("up", "down", "back"):
            if phase == "down":
                redis_server.kill()
            if phase == "back":
                redis_server.start()  # the same port, and empty: every queued job is gone
            for _ in range(16):
                sent.append(asyncio.create_task(trigger(len(sent))))
                await asyncio.sleep(0.08)
        answers = await asyncio.gather(*sent)

        triggers = [r for kind, r in answers if kind == "trigger"]
        deliveries = [r for kind, r in answers if kind == "delivery"]
        acknowledged = [r.json()["correlationId"] for r in triggers if r.status_code == 202]
        refused = [r for r in triggers if r.status_code != 202]
        # While Redis is down a trigger is refused as a problem (503 once the API says so), never lost.
        assert all(r.status_code >= 500 for r in refused), [r.text for r in refused]
        assert all(r.headers["content-type"].startswith("application/problem+json") for r in refused)
        assert all(r.status_code == 202 for r in deliveries), [r.text for r in deliveries]
        assert len(acknowledged) >= 8  # the phases with Redis up at least

        deadline = time.monotonic() + 60  # generous: CI shares two cores with the whole suite
        while True:
            logs = await _all(client, "/sync-logs")
            received = await _all(client, f"/webhook-endpoints/{endpoint['id']}/deliveries")
            ran = {log["correlationId"] for log in logs}
            if (
                all(log["status"] in TERMINAL for log in logs)
                and set(acknowledged) <= ran
                and len(received) == len(deliveries)
                and all(d["status"] in {"processed", "failed"} for d in received)
            ):
                break
            assert time.monotonic() < deadline, sorted(log["status"] for log in logs)
            await asyncio.sleep(0.25)

    assert worker.poll() is None and scheduler.poll() is None, ezy.log("worker") + ezy.log("scheduler")
    by_correlation = {log["correlationId"]: log for log in logs}
    for correlation_id in acknowledged:  # each acknowledged trigger ran once, with every record
        run = by_correlation[correlation_id]
        assert run["status"] in {"succeeded", "partial"} and run["attempt"] == 1, run
        assert run["counts"]["total"] == RECORDS, run
    # Deliveries are drained in micro-batches: every one processed once, by a webhook run that counts it.
    webhook_runs = {log["id"]: log for log in logs if log["trigger"] == "webhook"}
    assert sorted(d["status"] for d in received) == ["processed"] * len(deliveries)
    assert {d["syncLogId"] for d in received} <= set(webhook_runs)
    assert sum(run["counts"]["total"] for run in webhook_runs.values()) == len(deliveries)
    assert all(run["counts"]["failed"] == 0 for run in webhook_runs.values())
    worker_log = ezy.log("worker")
    assert "lost (" in worker_log and "is back after" in worker_log, worker_log


async def test_a_worker_started_while_redis_is_down_waits_for_it(ezy: Ezy, redis_server: RedisServer) -> None:
    redis_server.kill()
    worker = ezy.start("worker", "worker")
    deadline = time.monotonic() + 30
    while "unreachable" not in ezy.log("worker"):
        assert worker.poll() is None, ezy.log("worker")
        assert time.monotonic() < deadline, ezy.log("worker")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)
    assert worker.poll() is None
    redis_server.start()
    pool = await create_pool(RedisSettings.from_dsn(redis_server.url), default_queue_name=QUEUE_NAME)
    try:
        job = await pool.enqueue_job("noop")
        assert job is not None
        assert await job.result(timeout=20, poll_delay=0.05) == "ok"  # the waiting worker ran it
    finally:
        await pool.aclose()
    assert worker.poll() is None and "is back after" in ezy.log("worker")


@pytest.mark.parametrize("redis_server", ["persistent"], indirect=True)
async def test_a_run_in_flight_when_redis_dies_finishes_once_and_frees_its_job(
    ezy: Ezy, redis_server: RedisServer
) -> None:
    """With a Redis that keeps its data, a run that ends during the outage cannot record its job's
    end: arq's in-progress key would block the job for the six-hour job timeout. The worker frees
    it once Redis is back, and the job, taken again, finds its run finished."""
    key = ezy.tenant_key()
    port = free_port()
    ezy.start("api", "serve", EZY_PORT=str(port))
    worker = ezy.start("worker", "worker")
    auth = {"Authorization": f"ApiKey {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=auth, timeout=30) as client:
        await _ready(client)
        [instance] = await _active_instances(client, 1, records=2_000)  # under a second
        started = await client.post("/api/v1/sync-events", json={"instanceId": instance})
        event = f"/api/v1/sync-events/{started.json()['correlationId']}"
        deadline = time.monotonic() + 20
        while (await client.get(event)).json()["status"] != "running":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        redis_server.kill()
        sync_log = f"/api/v1/sync-logs/{started.json()['syncLogId']}"
        # The run ends meanwhile: wait for it (a loaded machine takes longer than an idle one's second).
        outage_ends = time.monotonic() + 30
        while time.monotonic() < outage_ends:
            answer = await client.get(sync_log)
            if answer.status_code == 200 and answer.json()["status"] in TERMINAL:
                break
            await asyncio.sleep(0.2)
        redis_server.start()
        while (run := (await client.get(sync_log)).json())["status"] not in TERMINAL:
            assert time.monotonic() < deadline + 40, run
            await asyncio.sleep(0.1)
    assert run["status"] in {"succeeded", "partial"} and run["counts"]["total"] == 2_000, run
    assert run["attempt"] == 1, run  # ran once: the job taken again found it finished
    pool = await create_pool(RedisSettings.from_dsn(redis_server.url), default_queue_name=QUEUE_NAME)
    try:
        while await pool.zcard(QUEUE_NAME) or await pool.keys("arq:in-progress:*"):
            assert time.monotonic() < deadline + 50, await pool.keys("arq:*")
            await asyncio.sleep(0.1)
    finally:
        await pool.aclose()
    assert worker.poll() is None
    assert "released 1 job(s) interrupted by the Redis outage" in ezy.log("worker")
