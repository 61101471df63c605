from __future__ import annotations

import httpx

from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

KEY_FIELDS = "id name prefix createdAt expiresAt lastUsedAt revokedAt"
CREATE = f"""
mutation($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    __typename
    ... on IssuedApiKey {{ key apiKey {{ {KEY_FIELDS} }} }}
    ... on ValidationError {{ message fieldErrors {{ pointer message }} }}
  }}
}}"""
ROTATE = """
mutation($id: ID!, $grace: Int) {
  rotateApiKey(id: $id, input: {gracePeriodSeconds: $grace}) {
    __typename
    ... on IssuedApiKey { key apiKey { id prefix } }
    ... on ValidationError { fieldErrors { pointer message } }
    ... on NotFoundError { message }
    ... on ConflictError { message }
  }
}"""
REVOKE = """
mutation($id: ID!) {
  revokeApiKey(id: $id) { __typename ... on RevokeApiKeyPayload { apiKey { id revokedAt } } }
}"""


async def test_list_shows_prefixes_never_secrets(gql: GraphQLClient, tenant: TestTenant) -> None:
    data = await gql.data("{ apiKeys { items { id prefix } page pageSize total } }")
    page = data["apiKeys"]
    assert (page["page"], page["pageSize"], page["total"]) == (1, 50, 1)
    assert tenant.key.startswith(page["items"][0]["prefix"] + "_")
    assert tenant.key not in str(data)


async def test_create_shows_the_secret_once_and_it_works(
    gql: GraphQLClient, client: httpx.AsyncClient
) -> None:
    created = (await gql.data(CREATE, {"input": {"name": "ci"}}))["createApiKey"]
    assert created["__typename"] == "IssuedApiKey"
    fetched = await gql.data(
        "query($id: ID!) { apiKey(id: $id) { id name } }", {"id": created["apiKey"]["id"]}
    )
    assert fetched["apiKey"] == {"id": created["apiKey"]["id"], "name": "ci"}
    other = GraphQLClient(client, {"Authorization": f"ApiKey {created['key']}"})
    assert (await other.data("{ apiKeys { total } }"))["apiKeys"]["total"] == 2


async def test_create_with_a_blank_name_is_a_validation_error(gql: GraphQLClient) -> None:
    result = (await gql.data(CREATE, {"input": {"name": "  "}}))["createApiKey"]
    assert result["__typename"] == "ValidationError"
    assert result["fieldErrors"] == [{"pointer": "/name", "message": "name must not be empty"}]


async def test_create_with_a_past_expiry_points_at_expires_at(gql: GraphQLClient) -> None:
    result = await gql.data(CREATE, {"input": {"name": "ci", "expiresAt": "2001-01-01T00:00:00Z"}})
    assert result["createApiKey"]["fieldErrors"][0]["pointer"] == "/expiresAt"


async def test_create_with_a_malformed_timestamp_is_a_graphql_error(gql: GraphQLClient) -> None:
    errors = await gql.errors(CREATE, {"input": {"name": "ci", "expiresAt": "tomorrow"}})
    assert "DateTime" in errors[0]["message"]


async def test_rotate_issues_a_new_secret_on_the_same_key(gql: GraphQLClient) -> None:
    created = (await gql.data(CREATE, {"input": {"name": "ci"}}))["createApiKey"]
    rotated = (await gql.data(ROTATE, {"id": created["apiKey"]["id"], "grace": 0}))["rotateApiKey"]
    assert rotated["__typename"] == "IssuedApiKey"
    assert rotated["apiKey"]["id"] == created["apiKey"]["id"] and rotated["key"] != created["key"]


async def test_rotate_with_a_grace_period_out_of_range_is_a_validation_error(gql: GraphQLClient) -> None:
    created = (await gql.data(CREATE, {"input": {"name": "ci"}}))["createApiKey"]
    rotated = (await gql.data(ROTATE, {"id": created["apiKey"]["id"], "grace": -1}))["rotateApiKey"]
    assert rotated["fieldErrors"][0]["pointer"] == "/gracePeriodSeconds"


async def test_revoked_key_cannot_be_rotated(gql: GraphQLClient) -> None:
    created = (await gql.data(CREATE, {"input": {"name": "ci"}}))["createApiKey"]
    revoked = (await gql.data(REVOKE, {"id": created["apiKey"]["id"]}))["revokeApiKey"]
    assert revoked["apiKey"]["revokedAt"] is not None
    rotated = (await gql.data(ROTATE, {"id": created["apiKey"]["id"], "grace": 0}))["rotateApiKey"]
    assert rotated["__typename"] == "ConflictError"


async def test_another_tenants_key_is_not_found(gql: GraphQLClient, other_gql: GraphQLClient) -> None:
    theirs = (await other_gql.data(CREATE, {"input": {"name": "theirs"}}))["createApiKey"]["apiKey"]["id"]
    assert (await gql.data("query($id: ID!) { apiKey(id: $id) { id } }", {"id": theirs}))["apiKey"] is None
    assert (await gql.data(REVOKE, {"id": theirs}))["revokeApiKey"]["__typename"] == "NotFoundError"
    assert (await gql.data(ROTATE, {"id": theirs, "grace": 0}))["rotateApiKey"][
        "__typename"
    ] == "NotFoundError"


async def test_page_size_over_the_cap_is_bad_user_input(gql: GraphQLClient) -> None:
    errors = await gql.errors("{ apiKeys(pageSize: 201) { total } }")
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "pageSize" in errors[0]["message"]
