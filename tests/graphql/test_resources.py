"""What every configuration resource does alike over GraphQL, checked against what REST shows."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.specs import SPECS, Spec, input_of

pytestmark = pytest.mark.parametrize("spec", SPECS)


async def test_rest_and_graphql_see_the_same_data_and_version(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    row = await spec.make_rest(client, tenant)
    assert spec.as_rest(await spec.get(gql, row["id"]) or {}) == row
    updated = await spec.write(gql, "update", row["id"], row["version"], spec.patch)
    assert updated["__typename"] == spec.payload, updated
    rest = await client.get(spec.rest_url(row["id"]), headers=tenant.headers)
    assert rest.headers["etag"] == f'"{row["version"] + 1}"'
    assert spec.as_rest(updated[spec.field]) == rest.json()
    key, value = spec.changed
    assert rest.json()[key] == value


async def test_create_through_graphql_is_read_back_by_rest(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    template = await spec.make_rest(client, tenant)
    created = await spec.create(gql, input_of(spec, template))
    assert created["__typename"] == (spec.create_payload or spec.payload), created
    item = created[spec.field]
    assert item["version"] == 1
    rest = await client.get(spec.rest_url(item["id"]), headers=tenant.headers)
    assert rest.json() == spec.as_rest(item)


async def test_replace_takes_the_whole_input_and_bumps_the_version(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    row = await spec.make_rest(client, tenant)
    value = {**input_of(spec, row), **spec.patch}
    replaced = await spec.write(gql, "replace", row["id"], 1, value)
    assert replaced["__typename"] == spec.payload, replaced
    key, expected = spec.changed
    assert replaced[spec.field][key] == expected and replaced[spec.field]["version"] == 2


async def test_stale_expected_version_is_a_version_mismatch_with_the_current_one(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    row = await spec.make_rest(client, tenant)
    assert (await spec.write(gql, "update", row["id"], 1, spec.patch))["__typename"] == spec.payload
    for verb in ("update", "replace"):
        value = spec.patch if verb == "update" else input_of(spec, row)
        stale = await spec.write(gql, verb, row["id"], 1, value)
        assert stale["__typename"] == "VersionMismatchError" and stale["currentVersion"] == 2
    deleted = await spec.delete(gql, row["id"], 1)
    assert deleted == {**deleted, "__typename": "VersionMismatchError", "currentVersion": 2}


async def test_another_tenants_resource_is_not_found_for_every_operation(
    client: httpx.AsyncClient, other_tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    theirs = await spec.make_rest(client, other_tenant)
    assert await spec.get(gql, theirs["id"]) is None
    assert (await spec.write(gql, "update", theirs["id"], 1, spec.patch))["__typename"] == "NotFoundError"
    replaced = await spec.write(gql, "replace", theirs["id"], 1, input_of(spec, theirs))
    assert replaced["__typename"] in (
        "NotFoundError",
        "ValidationError",
    )  # its references are not ours either
    assert (await spec.delete(gql, theirs["id"], 1))["__typename"] == "NotFoundError"
    listed = await gql.data(f"{{ {spec.plural}(pageSize: 200) {{ items {{ id }} }} }}")
    assert theirs["id"] not in {item["id"] for item in listed[spec.plural]["items"]}


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
async def test_unknown_or_malformed_id_is_null_or_not_found(
    gql: GraphQLClient, spec: Spec, bad_id: str
) -> None:
    assert await spec.get(gql, bad_id) is None
    assert (await spec.delete(gql, bad_id, 1))["__typename"] == "NotFoundError"


async def test_delete_removes_it(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    row = await spec.make_rest(client, tenant)
    assert await spec.delete(gql, row["id"], 1) == {"__typename": "Deleted", "id": row["id"]}
    assert (await client.get(spec.rest_url(row["id"]), headers=tenant.headers)).status_code == 404


async def test_list_is_paged_newest_first_like_rest(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient, spec: Spec
) -> None:
    for _ in range(3):
        await spec.make_rest(client, tenant)
    query = f"{{ {spec.plural}(page: 2, pageSize: 2) {{ items {{ {spec.fields} }} page pageSize total }} }}"
    page = (await gql.data(query))[spec.plural]
    rest = await client.get(spec.rest_url(), params={"page": 2, "pageSize": 2}, headers=tenant.headers)
    assert {**page, "items": [spec.as_rest(item) for item in page["items"]]} == rest.json()


async def test_expected_version_is_required(gql: GraphQLClient, spec: Spec) -> None:
    errors = await gql.errors(f'mutation {{ delete{spec.type_name}(id: "x") {{ __typename }} }}')
    assert "expectedVersion" in errors[0]["message"]


async def test_page_size_over_the_cap_is_bad_user_input(gql: GraphQLClient, spec: Spec) -> None:
    errors = await gql.errors(f"{{ {spec.plural}(pageSize: 201) {{ total }} }}")
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
