"""REST's bad-input matrix through GraphQL.

Shape errors (a wrong type, an unknown field, a missing required one) are caught by GraphQL's own
validation: a top-level error, nothing runs. Value errors (cron, time zone, mapping document, config,
references) come from the same services as REST's: a ValidationError whose `fieldErrors` equal REST's
`errors` (pointer and message).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ezy.mappings.models import MappingConfiguration
from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.specs import ENDPOINT, INSTANCE, MAPPING, PROFILE, SCHEDULE, Spec

Body = Callable[[httpx.AsyncClient, TestTenant, TestTenant], Awaitable[dict[str, Any]]]


def body_of(spec: Spec, **overrides: Any) -> Body:
    """A valid create body for `spec`, with `overrides` applied."""

    async def build(client: httpx.AsyncClient, tenant: TestTenant, other: TestTenant) -> dict[str, Any]:
        if spec is PROFILE:
            return r.profile_body(**overrides)
        if spec is MAPPING:
            return r.mapping_body(**overrides)
        if spec is INSTANCE:
            return await r.instance_body(client, tenant, **overrides)
        if spec is SCHEDULE:
            return await r.schedule_body(client, tenant, **overrides)
        return await r.endpoint_body(client, tenant, **overrides)

    return build


async def _foreign_instance_body(
    client: httpx.AsyncClient, tenant: TestTenant, other: TestTenant
) -> dict[str, Any]:
    theirs = await r.make_profile(client, other)
    return await r.instance_body(client, tenant, sourceProfileId=theirs["id"])


async def _foreign_schedule_body(
    client: httpx.AsyncClient, tenant: TestTenant, other: TestTenant
) -> dict[str, Any]:
    theirs = await r.make_instance(client, other)
    return await r.schedule_body(client, tenant, instanceId=theirs["id"])


BAD_DOCUMENT = {"version": 1, "transform": {"fields": {"sku": "$$$(("}}}
VALUE_ERRORS = [
    pytest.param(SCHEDULE, body_of(SCHEDULE, cron="not a cron"), "/cron", id="schedule-invalid-cron"),
    pytest.param(SCHEDULE, body_of(SCHEDULE, cron="61 * * * *"), "/cron", id="schedule-cron-out-of-range"),
    pytest.param(
        SCHEDULE, body_of(SCHEDULE, timezone="Mars/Olympus"), "/timezone", id="schedule-invalid-timezone"
    ),
    pytest.param(SCHEDULE, _foreign_schedule_body, "/instanceId", id="schedule-another-tenants-instance"),
    pytest.param(MAPPING, body_of(MAPPING, document=BAD_DOCUMENT), "/document/", id="mapping-bad-expression"),
    pytest.param(MAPPING, body_of(MAPPING, document={"version": 99}), "/document", id="mapping-bad-schema"),
    pytest.param(MAPPING, body_of(MAPPING, document=[1]), "/document", id="mapping-not-an-object"),
    pytest.param(MAPPING, body_of(MAPPING, name=" "), "/name", id="blank-name"),
    pytest.param(
        PROFILE, body_of(PROFILE, config={"count": 1, "bogus": 1}), "/config", id="profile-unknown-config"
    ),
    pytest.param(
        PROFILE, body_of(PROFILE, config={"count": "ten"}), "/config/count", id="profile-config-type"
    ),
    pytest.param(PROFILE, body_of(PROFILE, config=[]), "/config", id="profile-config-not-an-object"),
    pytest.param(INSTANCE, _foreign_instance_body, "/sourceProfileId", id="instance-another-tenants-profile"),
    pytest.param(INSTANCE, body_of(INSTANCE, mappingId="nope"), "/mappingId", id="instance-unknown-mapping"),
    pytest.param(INSTANCE, body_of(INSTANCE, options=[1]), "/options", id="instance-options-not-an-object"),
    pytest.param(ENDPOINT, body_of(ENDPOINT, secret="plain"), "/secret", id="endpoint-bad-generic-secret"),
    pytest.param(ENDPOINT, body_of(ENDPOINT, topics=[""]), "/topics/0", id="endpoint-empty-topic"),
]


@pytest.mark.parametrize(("spec", "build", "pointer"), VALUE_ERRORS)
async def test_invalid_values_are_validation_errors_with_rests_pointers(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    other_tenant: TestTenant,
    gql: GraphQLClient,
    spec: Spec,
    build: Body,
    pointer: str,
) -> None:
    body = await build(client, tenant, other_tenant)
    rest = await client.post(spec.rest_url(), json=body, headers=tenant.headers)
    assert rest.status_code == 422, rest.text
    graphql_input = {k: (v.upper() if k in spec.enums else v) for k, v in body.items()}
    result = await spec.create(gql, graphql_input)
    assert result["__typename"] == "ValidationError", result
    assert result["fieldErrors"] == rest.json()["errors"]
    assert any(e["pointer"].startswith(pointer) for e in result["fieldErrors"])


async def test_an_invalid_patch_is_a_validation_error_with_rests_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_schedule(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    rest = await client.patch(
        SCHEDULE.rest_url(row["id"]), json={"timezone": "Nowhere/Else"}, headers=headers
    )
    result = await SCHEDULE.write(gql, "update", row["id"], 1, {"timezone": "Nowhere/Else"})
    assert result["__typename"] == "ValidationError"
    assert (
        result["fieldErrors"] == rest.json()["errors"] and result["fieldErrors"][0]["pointer"] == "/timezone"
    )


async def test_a_null_in_a_patch_removes_the_member_as_merge_patch_does(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_mapping(client, tenant)
    result = await MAPPING.write(gql, "update", row["id"], 1, {"name": None})
    assert result["fieldErrors"] == [{"pointer": "/name", "message": "name is required"}]
    assert (await MappingConfiguration.get(id=row["id"])).version == 1


SHAPE_ERRORS = [
    pytest.param(
        'mutation { createConnectionProfile(input: {name: "x", kind: FTP}) { __typename } }',
        "does not exist in 'ConnectorKind' enum",
        id="profile-unknown-kind",
    ),
    pytest.param(
        'mutation { createSchedule(input: {instanceId: "x", cron: "@daily", enabled: "yes"}) '
        "{ __typename } }",
        "Boolean cannot represent",
        id="wrong-type-boolean",
    ),
    pytest.param(
        "mutation { createMappingConfiguration(input: {name: 5, document: {}}) { __typename } }",
        "String cannot represent",
        id="wrong-type-string",
    ),
    pytest.param(
        'mutation { deleteSchedule(id: "x", expectedVersion: "1") { __typename } }',
        "Int cannot represent",
        id="wrong-type-version",
    ),
    pytest.param(
        'mutation { createSchedule(input: {instanceId: "x", cron: "@daily", overlapPolicy: SOMETIMES}) '
        "{ __typename } }",
        "OverlapPolicy",
        id="unknown-enum-value",
    ),
    pytest.param(
        'mutation { createMappingConfiguration(input: {name: "m", document: {}, bogus: 1}) { __typename } }',
        "bogus",
        id="unknown-field",
    ),
    pytest.param(
        'mutation { createSchedule(input: {instanceId: "x"}) { __typename } }',
        "cron",
        id="missing-required",
    ),
    pytest.param(
        'mutation { updateInstance(id: "x", patch: {}) { __typename } }',
        "expectedVersion",
        id="missing-expected-version",
    ),
]


@pytest.mark.parametrize(("query", "message"), SHAPE_ERRORS)
async def test_shape_errors_are_graphql_validation_errors(
    gql: GraphQLClient, query: str, message: str
) -> None:
    body = await gql.execute(query)
    assert body.get("data") is None
    assert any(message in error["message"] for error in body["errors"]), body["errors"]


async def test_wrong_variable_types_are_refused_before_anything_runs(gql: GraphQLClient) -> None:
    query = 'mutation($v: Int!) { deleteInstance(id: "x", expectedVersion: $v) { __typename } }'
    body = await gql.execute(query, {"v": "one"})
    assert body.get("data") is None and "Int cannot represent" in body["errors"][0]["message"]
