"""Sync logs over REST: filters, per-stage counts and timings, paged entity errors."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.timefmt import rfc3339, utcnow
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance


async def test_a_run_shows_stage_counts_and_its_errors(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=30)
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    log = (await client.get(f"/api/v1/sync-logs/{run.id}", headers=tenant.headers)).json()
    stages, counts = log["stages"], log["counts"]
    assert log["status"] == "partial" and log["trigger"] == "api"
    assert counts["total"] == 30 == counts["success"] + counts["failed"] + counts["skipped"]
    assert stages["extract"]["out"] == stages["normalize"]["in"] == 30
    assert stages["validate"]["failed"] == counts["failed"]
    assert stages["load"]["in"] == stages["load"]["out"] == counts["success"]
    assert all(stage["ms"] >= 0 for stage in stages.values())
    errors = (
        await client.get(f"/api/v1/sync-logs/{run.id}/errors?pageSize=2", headers=tenant.headers)
    ).json()
    assert errors["total"] == counts["failed"] and len(errors["items"]) == 2
    error = errors["items"][0]
    assert error["stage"] == "validate" and error["code"] == "schema_invalid"
    assert isinstance(error["entityKey"], str) and error["deadLetterId"]
    letter = await client.get(f"/api/v1/dlq/{error['deadLetterId']}", headers=tenant.headers)
    assert letter.status_code == 200 and letter.json()["entityKey"] == error["entityKey"]


async def test_filters_select_runs(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    one = await make_instance(runtime, tenant.id, count=3)
    two = await make_instance(runtime, tenant.id, count=3, status="inactive")
    await start_run(tenant.id, one.id, RunRequest("api"))
    await start_run(tenant.id, one.id, RunRequest("schedule", details={"overlapPolicy": "queue"}))
    await start_run(tenant.id, two.id, RunRequest("api"))
    await drain()

    async def total(**params: str) -> int:
        response = await client.get("/api/v1/sync-logs", params=params, headers=tenant.headers)
        assert response.status_code == 200
        return int(response.json()["total"])

    assert await total() == 3
    assert await total(instanceId=str(one.id)) == 2
    assert await total(trigger="schedule") == 1
    assert await total(status="cancelled") == 1  # the inactive instance's run
    assert await total(**{"from": rfc3339(utcnow() - timedelta(minutes=5)) or ""}) == 3
    assert await total(to=rfc3339(utcnow() - timedelta(minutes=5)) or "") == 0


async def test_another_tenants_logs_are_invisible(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, runtime: Runtime
) -> None:
    theirs = await make_instance(runtime, other_tenant.id)
    run = await start_run(other_tenant.id, theirs.id, RunRequest("api"))
    assert (await client.get(f"/api/v1/sync-logs/{run.id}", headers=tenant.headers)).status_code == 404
    assert (await client.get(f"/api/v1/sync-logs/{run.id}/errors", headers=tenant.headers)).status_code == 404
    listing = await client.get(
        "/api/v1/sync-logs", params={"instanceId": str(theirs.id)}, headers=tenant.headers
    )
    assert listing.json()["total"] == 0


@pytest.mark.parametrize(
    "query",
    ["status=done", "trigger=cron", "instanceId=nope", "from=yesterday", "to=1", "pageSize=500", "color=red"],
)
async def test_bad_parameters_are_400(client: httpx.AsyncClient, tenant: TestTenant, query: str) -> None:
    response = await client.get(f"/api/v1/sync-logs?{query}", headers=tenant.headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_logs_need_a_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/sync-logs")).status_code == 401
