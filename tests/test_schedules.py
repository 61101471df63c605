"""Schedules: cron and time zone validation, nextRunAt, enabling and disabling."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ezy.schedules.cron import next_run
from ezy.timefmt import parse_rfc3339
from tests import resources as r
from tests.conftest import TestTenant

URL = f"{r.API}/schedules"


def if_match(tenant: TestTenant, version: int) -> dict[str, str]:
    return {**tenant.headers, "If-Match": f'"{version}"'}


async def test_next_run_at_is_the_next_firing_in_the_schedules_zone(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    before = datetime.now(UTC)
    row = await r.make_schedule(client, tenant, cron="0 0 * * *", timezone="Asia/Tokyo")
    next_at = parse_rfc3339(row["nextRunAt"])
    assert next_at == next_run("0 0 * * *", "Asia/Tokyo", before)
    assert (next_at.hour, next_at.minute) == (15, 0)  # Tokyo midnight in UTC
    assert row["enabled"] is True and row["overlapPolicy"] == "skip" and row["lastRunAt"] is None


async def test_defaults(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    instance = await r.make_instance(client, tenant)
    row = await r.post(client, tenant, "/schedules", {"instanceId": instance["id"], "cron": "@hourly"})
    assert (row["timezone"], row["enabled"], row["overlapPolicy"]) == ("UTC", True, "skip")
    assert parse_rfc3339(row["nextRunAt"]).minute == 0


async def test_disabled_schedule_has_no_next_run(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_schedule(client, tenant, enabled=False)
    assert row["nextRunAt"] is None
    enabled = await client.patch(f"{URL}/{row['id']}", json={"enabled": True}, headers=if_match(tenant, 1))
    assert enabled.json()["nextRunAt"] is not None
    disabled = await client.patch(f"{URL}/{row['id']}", json={"enabled": False}, headers=if_match(tenant, 2))
    assert disabled.json()["nextRunAt"] is None


async def test_changing_the_cron_moves_next_run_at(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_schedule(client, tenant, cron="0 3 * * *", timezone="UTC")
    answer = await client.patch(
        f"{URL}/{row['id']}", json={"cron": "30 4 * * *"}, headers=if_match(tenant, 1)
    )
    next_at = parse_rfc3339(answer.json()["nextRunAt"])
    assert (next_at.hour, next_at.minute) == (4, 30)


async def test_editing_the_overlap_policy_keeps_next_run_at(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_schedule(client, tenant)
    answer = await client.patch(
        f"{URL}/{row['id']}", json={"overlapPolicy": "queue"}, headers=if_match(tenant, 1)
    )
    assert answer.json()["overlapPolicy"] == "queue"
    assert answer.json()["nextRunAt"] == row["nextRunAt"]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        pytest.param({"cron": "* * * * * *"}, "/cron", id="seconds-field"),
        pytest.param({"cron": "0 0 1 1 * 2027"}, "/cron", id="year-field"),
        pytest.param({"cron": "61 * * * *"}, "/cron", id="out-of-range"),
        pytest.param({"cron": "@reboot"}, "/cron", id="unknown-alias"),
        pytest.param({"cron": "0 0 30 2 *"}, "/cron", id="never-fires"),
        pytest.param({"cron": ""}, "/cron", id="empty"),
        pytest.param({"cron": 5}, "/cron", id="not-a-string"),
        pytest.param({"cron": "*" * 121}, "/cron", id="over-long"),
        pytest.param({"cron": None}, "/cron", id="missing"),
        pytest.param({"timezone": "Mars/Olympus"}, "/timezone", id="unknown-timezone"),
        pytest.param({"timezone": "x" * 65}, "/timezone", id="over-long-timezone"),
        pytest.param({"enabled": "yes"}, "/enabled", id="enabled-not-a-boolean"),
        pytest.param({"overlapPolicy": "parallel"}, "/overlapPolicy", id="unknown-overlap-policy"),
        pytest.param({"instanceId": str(uuid.uuid4())}, "/instanceId", id="unknown-instance"),
        pytest.param({"instanceId": "nope"}, "/instanceId", id="malformed-instance"),
        pytest.param({"nextRunAt": "2027-01-01T00:00:00Z"}, "/nextRunAt", id="next-run-is-not-writable"),
    ],
)
async def test_invalid_schedules_are_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, changes: dict[str, Any], pointer: str
) -> None:
    body = {k: v for k, v in (await r.schedule_body(client, tenant) | changes).items() if v is not None}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [pointer]


async def test_another_tenants_instance_is_422(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    theirs = await r.make_instance(client, other_tenant)
    answer = await client.post(
        URL, json={"instanceId": theirs["id"], "cron": "@daily"}, headers=tenant.headers
    )
    assert answer.status_code == 422 and r.pointers(answer) == ["/instanceId"]


async def test_instance_filter(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_schedule(client, tenant)
    await r.make_schedule(client, tenant)
    page = (await client.get(URL, params={"instanceId": row["instanceId"]}, headers=tenant.headers)).json()
    assert [item["id"] for item in page["items"]] == [row["id"]]
    assert (await client.get(URL, params={"instanceId": "x"}, headers=tenant.headers)).status_code == 400
    assert (await client.get(URL, params={"enabled": "maybe"}, headers=tenant.headers)).status_code == 400


async def test_every_invalid_member_is_reported_at_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"instanceId": "nope", "cron": "61 * * * *", "timezone": "Mars/Olympus", "enabled": "yes"}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/instanceId", "/cron", "/timezone", "/enabled"]
    assert (await client.post(URL, json={}, headers=tenant.headers)).json()["errors"] == [
        {"pointer": "/instanceId", "message": "instanceId is required"},
        {"pointer": "/cron", "message": "cron is required"},
    ]


async def test_nulls_take_the_defaults(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_schedule(client, tenant, enabled=False, overlapPolicy="queue")
    nulls = {"timezone": None, "enabled": None, "overlapPolicy": None}
    answer = await client.patch(f"{URL}/{row['id']}", json=nulls, headers=if_match(tenant, 1))
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert (got["timezone"], got["enabled"], got["overlapPolicy"]) == ("UTC", True, "skip")
    assert got["nextRunAt"] is not None
    body = {"instanceId": row["instanceId"], "cron": "@daily"} | nulls
    replaced = await client.put(f"{URL}/{row['id']}", json=body, headers=if_match(tenant, 2))
    assert replaced.status_code == 200 and replaced.json()["timezone"] == "UTC"


async def test_an_invalid_patch_names_its_member(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_schedule(client, tenant)
    answer = await client.patch(
        f"{URL}/{row['id']}", json={"timezone": "Nowhere/Else"}, headers=if_match(tenant, 1)
    )
    assert answer.status_code == 422 and r.pointers(answer) == ["/timezone"]
    assert (await client.get(f"{URL}/{row['id']}", headers=tenant.headers)).json() == row


async def test_enabled_filter(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    off = await r.make_schedule(client, tenant, enabled=False)
    on = await r.make_schedule(client, tenant)
    for value, expected in (("false", off), ("true", on)):
        params = {"enabled": value, "instanceId": expected["instanceId"]}
        page = (await client.get(URL, params=params, headers=tenant.headers)).json()
        assert [item["id"] for item in page["items"]] == [expected["id"]]
