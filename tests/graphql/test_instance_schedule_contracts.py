"""Instances and schedules in GraphQL come from the REST contracts: same checks, pointers and filters."""

from __future__ import annotations

import httpx
import pytest

from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.specs import INSTANCE, SCHEDULE, input_of


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('{ instances(mappingId: "nope") { total } }', id="instances-malformed-id"),
        pytest.param('{ schedules(instanceId: "nope") { total } }', id="schedules-malformed-id"),
    ],
)
async def test_a_malformed_filter_is_bad_user_input(gql: GraphQLClient, query: str) -> None:
    errors = await gql.errors(query)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_filters_select_as_in_rest(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    active = await r.make_instance(client, tenant)
    await r.make_instance(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    await client.post(f"{r.API}/instances/{active['id']}/activate", headers=headers)
    query = "query($m: ID) { instances(status: ACTIVE, mappingId: $m) { items { id status } } }"
    data = await gql.data(query, {"m": active["mappingId"]})
    assert data["instances"]["items"] == [{"id": active["id"], "status": "ACTIVE"}]
    schedule = await r.make_schedule(client, tenant, enabled=False)
    query = "query($i: ID) { schedules(instanceId: $i, enabled: false) { items { id instance { id } } } }"
    data = await gql.data(query, {"i": schedule["instanceId"]})
    assert data["schedules"]["items"] == [{"id": schedule["id"], "instance": {"id": schedule["instanceId"]}}]


async def test_bad_options_have_rests_pointers(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    body = await r.instance_body(client, tenant, options={"maxRetries": "x", "batchRetries": 0, "note": 1})
    rest = await client.post(INSTANCE.rest_url(), json=body, headers=tenant.headers)
    result = await INSTANCE.create(gql, body)
    assert result["__typename"] == "ValidationError"
    assert result["fieldErrors"] == rest.json()["errors"]
    assert [e["pointer"] for e in result["fieldErrors"]] == ["/options/maxRetries", "/options/batchRetries"]


async def test_a_schedule_reports_cron_and_timezone_at_once(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_schedule(client, tenant)
    value = input_of(SCHEDULE, row) | {"cron": "0 0 30 2 *", "timezone": "Mars/Olympus"}
    result = await SCHEDULE.create(gql, value)
    assert [e["pointer"] for e in result["fieldErrors"]] == ["/cron", "/timezone"]


async def test_options_round_trip_as_json(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    options = {"retryBackoffSeconds": 2, "note": "kept"}
    body = await r.instance_body(client, tenant, options=options)
    result = await INSTANCE.create(gql, body)
    assert result["instance"]["options"] == options
