"""Instances: references within the tenant, status only through activate/deactivate, dependants."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests import resources as r
from tests.conftest import TestTenant

URL = f"{r.API}/instances"


def if_match(tenant: TestTenant, version: int) -> dict[str, str]:
    return {**tenant.headers, "If-Match": f'"{version}"'}


async def test_a_new_instance_is_inactive_and_shows_its_references(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = await r.instance_body(client, tenant)
    row = await r.post(client, tenant, "/instances", body)
    assert row["status"] == "inactive"
    assert {k: row[k] for k in body} == body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("sourceProfileId", str(uuid.uuid4()), id="unknown-source"),
        pytest.param("targetProfileId", "not-a-uuid", id="malformed-target"),
        pytest.param("mappingId", str(uuid.uuid4()), id="unknown-mapping"),
        pytest.param("mappingId", None, id="missing-mapping"),
        pytest.param("sourceProfileId", 12, id="source-not-a-string"),
        pytest.param("options", [1], id="options-not-an-object"),
        pytest.param("name", "n" * 201, id="over-long-name"),
        pytest.param("status", "active", id="status-is-not-writable"),
    ],
)
async def test_invalid_instances_are_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, field: str, value: object
) -> None:
    body = await r.instance_body(client, tenant)
    body[field] = value
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [f"/{field}"]


async def test_another_tenants_profile_or_mapping_is_422(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    theirs = await r.make_instance(client, other_tenant)
    body = await r.instance_body(client, tenant)
    body |= {"targetProfileId": theirs["targetProfileId"], "mappingId": theirs["mappingId"]}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/targetProfileId", "/mappingId"]


async def test_activate_and_deactivate_are_versioned_writes(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_instance(client, tenant)
    activated = await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 1))
    assert activated.status_code == 200
    assert activated.json()["status"] == "active" and activated.headers["etag"] == '"2"'
    stale = await client.post(f"{URL}/{row['id']}/deactivate", json={}, headers=if_match(tenant, 1))
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"'
    deactivated = await client.post(f"{URL}/{row['id']}/deactivate", json={}, headers=if_match(tenant, 2))
    assert deactivated.json()["status"] == "inactive" and deactivated.headers["etag"] == '"3"'


async def test_activating_an_active_instance_changes_nothing(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_instance(client, tenant)
    await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 1))
    again = await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 2))
    assert again.status_code == 200 and again.headers["etag"] == '"2"'


@pytest.mark.parametrize("action", ["activate", "deactivate"])
async def test_actions_need_if_match(client: httpx.AsyncClient, tenant: TestTenant, action: str) -> None:
    row = await r.make_instance(client, tenant)
    assert (await client.post(f"{URL}/{row['id']}/{action}", headers=tenant.headers)).status_code == 428


async def test_actions_on_another_tenants_instance_are_404(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    row = await r.make_instance(client, other_tenant)
    assert (await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 1))).status_code == 404


async def test_put_keeps_the_status(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_instance(client, tenant)
    await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 1))
    body = {k: row[k] for k in ("name", "sourceProfileId", "targetProfileId", "mappingId")}
    answer = await client.put(f"{URL}/{row['id']}", json=body, headers=if_match(tenant, 2))
    assert answer.json()["status"] == "active" and answer.json()["options"] == {}


async def test_status_filter(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_instance(client, tenant)
    await r.make_instance(client, tenant)
    await client.post(f"{URL}/{row['id']}/activate", headers=if_match(tenant, 1))
    page = (await client.get(URL, params={"status": "active"}, headers=tenant.headers)).json()
    assert [item["id"] for item in page["items"]] == [row["id"]]
    assert (await client.get(URL, params={"status": "paused"}, headers=tenant.headers)).status_code == 400
    assert (await client.get(URL, params={"mappingId": "x"}, headers=tenant.headers)).status_code == 400


async def test_deleting_an_instance_with_a_schedule_or_endpoint_is_409(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    schedule = await r.make_schedule(client, tenant)
    instance_id = schedule["instanceId"]
    endpoint = await r.post(
        client, tenant, "/webhook-endpoints", {"instanceId": instance_id, "provider": "generic"}
    )
    answer = await client.delete(f"{URL}/{instance_id}", headers=if_match(tenant, 1))
    assert answer.status_code == 409
    assert answer.json()["referencedBy"] == {
        "schedules": [schedule["id"]],
        "webhookEndpoints": [endpoint["id"]],
    }


async def test_duplicate_names_are_409(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_instance(client, tenant)
    body = await r.instance_body(client, tenant, name=row["name"])
    assert (await client.post(URL, json=body, headers=tenant.headers)).status_code == 409


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"maxRetries": "x"}, id="string"),
        pytest.param({"maxRetries": 1.5}, id="fraction-for-an-integer"),
        pytest.param({"batchRetries": 10**9}, id="huge"),
        pytest.param({"batchRetries": 0}, id="below-one-try"),
        pytest.param({"retryBackoffSeconds": -1}, id="negative"),
        pytest.param({"batchRetryDelaySeconds": True}, id="boolean"),
    ],
)
async def test_run_options_are_checked_at_their_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, options: dict[str, object]
) -> None:
    body = await r.instance_body(client, tenant) | {"options": options}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [f"/options/{next(iter(options))}"]


async def test_every_bad_run_option_is_reported_and_unknown_keys_are_kept(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = await r.instance_body(client, tenant)
    bad = body | {"options": {"maxRetries": -1, "retryBackoffSeconds": "soon", "note": "kept"}}
    answer = await client.post(URL, json=bad, headers=tenant.headers)
    assert sorted(r.pointers(answer)) == ["/options/maxRetries", "/options/retryBackoffSeconds"]
    good = body | {"options": {"maxRetries": 0, "retryBackoffSeconds": 2.5, "note": "kept"}}
    row = await r.post(client, tenant, "/instances", good)
    assert row["options"] == good["options"]


async def test_an_empty_body_reports_every_missing_member_at_once(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    answer = await client.post(URL, json={}, headers=tenant.headers)
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/name", "/sourceProfileId", "/targetProfileId", "/mappingId"]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"maxRetries": None}, id="null-is-not-an-option-value"),
        pytest.param({"batchRetries": "5"}, id="numeric-string"),
        pytest.param({"batchRetryDelaySeconds": 61}, id="over-the-bound"),
    ],
)
async def test_run_options_refuse_what_lax_parsing_would_take(
    client: httpx.AsyncClient, tenant: TestTenant, options: dict[str, object]
) -> None:
    body = await r.instance_body(client, tenant) | {"options": options}
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [f"/options/{next(iter(options))}"]


async def test_options_are_stored_as_sent(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    # Whole seconds stay integers; a snake_case spelling is an unknown member, kept and not checked.
    options = {"retryBackoffSeconds": 2, "max_retries": "not checked", "batchRetries": 3}
    row = await r.post(client, tenant, "/instances", await r.instance_body(client, tenant, options=options))
    assert row["options"] == options
    assert type(row["options"]["retryBackoffSeconds"]) is int


async def test_null_options_on_put_are_none(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_instance(client, tenant)
    body = {k: row[k] for k in ("name", "sourceProfileId", "targetProfileId", "mappingId")}
    answer = await client.put(
        f"{URL}/{row['id']}", json=body | {"options": None}, headers=if_match(tenant, 1)
    )
    assert answer.status_code == 200 and answer.json()["options"] == {}


async def test_a_patch_merges_into_the_options(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    options = {"maxRetries": 2, "batchRetries": 4, "note": "kept"}
    row = await r.post(client, tenant, "/instances", await r.instance_body(client, tenant, options=options))
    patch = {"options": {"maxRetries": None, "retryBackoffSeconds": 1.5}}
    answer = await client.patch(f"{URL}/{row['id']}", json=patch, headers=if_match(tenant, 1))
    assert answer.status_code == 200, answer.text
    assert answer.json()["options"] == {"batchRetries": 4, "note": "kept", "retryBackoffSeconds": 1.5}
    bad = await client.patch(
        f"{URL}/{row['id']}", json={"options": {"batchRetries": 0}}, headers=if_match(tenant, 2)
    )
    assert bad.status_code == 422 and r.pointers(bad) == ["/options/batchRetries"]


async def test_reference_filters(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_instance(client, tenant)
    await r.make_instance(client, tenant)
    for name in ("sourceProfileId", "mappingId"):
        page = (await client.get(URL, params={name: row[name]}, headers=tenant.headers)).json()
        assert [item["id"] for item in page["items"]] == [row["id"]]
    unknown = await client.get(URL, params={"kind": "sample"}, headers=tenant.headers)
    assert unknown.status_code == 400 and "kind" in unknown.json()["detail"]
