"""End to end on PostgreSQL + Redis with two `ezy worker` processes: API runs, replays, bulk replays."""

from __future__ import annotations

import asyncio
import subprocess

import httpx
import pytest

from ezy.mappings.models import MappingConfiguration
from ezy.runtime import Runtime
from tests.conftest import TEST_REDIS_URL, TestTenant, on_postgres
from tests.runs.conftest import DOCUMENT, make_instance, worker_process

pytestmark = pytest.mark.skipif(
    not (on_postgres() and TEST_REDIS_URL),
    reason="needs PostgreSQL and Redis (EZY_TEST_DATABASE_URL, EZY_TEST_REDIS_URL): two processes share them",
)


async def _until(
    client: httpx.AsyncClient, tenant: TestTenant, path: str, done: set[str]
) -> dict[str, object]:
    for _ in range(600):
        body = (await client.get(path, headers=tenant.headers)).json()
        if body["status"] in done:
            return dict(body)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} did not finish")


async def test_api_runs_replays_and_bulk_replays_on_two_worker_processes(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instances = [await make_instance(runtime, tenant.id, count=40) for _ in range(3)]
    workers: list[subprocess.Popen[bytes]] = [worker_process(runtime), worker_process(runtime)]
    try:
        events = []
        for instance in instances:
            response = await client.post(
                "/api/v1/sync-events", json={"instanceId": str(instance.id)}, headers=tenant.headers
            )
            events.append(response.headers["location"])
        finished = [await _until(client, tenant, path, {"succeeded", "partial", "failed"}) for path in events]
        assert all(event["status"] == "partial" for event in finished)
        logs = (await client.get("/api/v1/sync-logs?trigger=api", headers=tenant.headers)).json()
        assert logs["total"] == 3

        first = instances[0]
        letters = (await client.get(f"/api/v1/dlq?instanceId={first.id}", headers=tenant.headers)).json()
        one = letters["items"][0]["id"]
        fixed = {**DOCUMENT, "validate": {"required": ["externalId"]}}
        for instance in instances:
            await MappingConfiguration.filter(id=instance.mapping_id).update(document=fixed)
        replay = await client.post(f"/api/v1/dlq/{one}/replay", headers=tenant.headers)
        assert (await _until(client, tenant, replay.headers["location"], {"succeeded", "failed"}))[
            "status"
        ] == ("succeeded")
        bulk = await client.post(
            "/api/v1/dlq/replay", json={"filter": {"stage": "validate"}}, headers=tenant.headers
        )
        assert (
            bulk.status_code == 202
            and bulk.json()["count"]
            == sum(
                e["counts"]["failed"]
                for e in finished  # type: ignore[index]
            )
            - 1
        )
        for _ in range(600):
            pending = (await client.get("/api/v1/dlq?status=pending", headers=tenant.headers)).json()["total"]
            replaying = (await client.get("/api/v1/dlq?status=replaying", headers=tenant.headers)).json()[
                "total"
            ]
            if pending == replaying == 0:
                break
            await asyncio.sleep(0.05)
        resolved = (await client.get("/api/v1/dlq?status=resolved", headers=tenant.headers)).json()["total"]
        assert resolved == bulk.json()["count"] + 1
        replays = (await client.get("/api/v1/sync-logs?trigger=replay", headers=tenant.headers)).json()
        assert replays["total"] == 1 + len(instances)  # one single replay, one bulk replay run per instance
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
