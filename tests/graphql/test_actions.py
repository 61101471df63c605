"""The actions beyond CRUD: activate/deactivate, connection tests, previews, deliveries, conflicts."""

from __future__ import annotations

import httpx

from ezy.webhooks.models import WebhookDelivery
from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.specs import INSTANCE, MAPPING, PROFILE

STATUS = """mutation($id: ID!, $v: Int!) {{
  {name}(id: $id, expectedVersion: $v) {{
    __typename ... on InstancePayload {{ instance {{ status version }} }}
    ... on VersionMismatchError {{ currentVersion }} ... on NotFoundError {{ message }}
  }}
}}"""
TEST = """mutation($id: ID!) {
  testConnectionProfile(id: $id) { __typename ... on ConnectionTest { ok latencyMs detail } }
}"""
PREVIEW = """query($records: JSON!, $id: ID, $document: JSON) {
  previewMapping(records: $records, mappingId: $id, document: $document) {
    __typename
    ... on MappingPreview {
      results { input output fields stoppedAt { stage code message } stages { normalize transform validate } }
    }
    ... on ValidationError { fieldErrors { pointer message } }
    ... on NotFoundError { message }
  }
}"""
DELIVERIES = """query($id: ID!) {
  webhookDeliveries(endpointId: $id, pageSize: 5) { items { id status } page pageSize total }
}"""


async def test_activate_and_deactivate_move_status_and_version(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_instance(client, tenant)
    active = (await gql.data(STATUS.format(name="activateInstance"), {"id": row["id"], "v": 1}))[
        "activateInstance"
    ]
    assert active["instance"] == {"status": "ACTIVE", "version": 2}
    rest = await client.get(INSTANCE.rest_url(row["id"]), headers=tenant.headers)
    assert rest.json()["status"] == "active" and rest.headers["etag"] == '"2"'
    stale = await gql.data(STATUS.format(name="deactivateInstance"), {"id": row["id"], "v": 1})
    assert stale["deactivateInstance"] == {"__typename": "VersionMismatchError", "currentVersion": 2}
    inactive = await gql.data(STATUS.format(name="deactivateInstance"), {"id": row["id"], "v": 2})
    assert inactive["deactivateInstance"]["instance"] == {"status": "INACTIVE", "version": 3}


async def test_activating_another_tenants_instance_is_not_found(
    client: httpx.AsyncClient, other_tenant: TestTenant, gql: GraphQLClient
) -> None:
    theirs = await r.make_instance(client, other_tenant)
    result = await gql.data(STATUS.format(name="activateInstance"), {"id": theirs["id"], "v": 1})
    assert result["activateInstance"]["__typename"] == "NotFoundError"


async def test_connection_test_answers_like_rest(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_profile(client, tenant)
    result = (await gql.data(TEST, {"id": row["id"]}))["testConnectionProfile"]
    rest = await client.post(PROFILE.rest_url(row["id"]) + "/test", headers=tenant.headers)
    assert result["__typename"] == "ConnectionTest"
    assert (result["ok"], result["detail"]) == (rest.json()["ok"], rest.json()["detail"])


async def test_preview_of_a_saved_mapping_matches_rest(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_mapping(client, tenant)
    records = [{"sku": "A1", "title": "  Shoe "}, {"title": "no sku"}]
    result = (await gql.data(PREVIEW, {"records": records, "id": row["id"]}))["previewMapping"]
    rest = await client.post(
        MAPPING.rest_url(row["id"]) + "/preview", json={"records": records}, headers=tenant.headers
    )
    assert rest.status_code == 200, rest.text
    assert result["results"] == rest.json()["results"]  # every member, `stages.validate` too
    assert result["results"][0]["output"]["title"] == "Shoe"
    assert result["results"][1]["stoppedAt"]["stage"] == "validate"


async def test_preview_of_an_unsaved_document(gql: GraphQLClient) -> None:
    result = await gql.data(PREVIEW, {"records": [{"sku": "x"}], "document": r.DOCUMENT})
    assert result["previewMapping"]["results"][0]["output"]["sku"] == "x"


async def test_preview_errors_point_where_rest_points(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    body = {"records": [{}], "document": {"version": 1, "transform": {"fields": {"a": "$$(("}}}}
    rest = await client.post(r.API + "/mapping-configurations/preview", json=body, headers=tenant.headers)
    result = (await gql.data(PREVIEW, body))["previewMapping"]
    assert result["__typename"] == "ValidationError"
    assert result["fieldErrors"] == rest.json()["errors"]
    not_a_list = (await gql.data(PREVIEW, {"records": {"a": 1}, "document": r.DOCUMENT}))["previewMapping"]
    assert not_a_list["fieldErrors"][0]["pointer"] == "/records"


async def test_preview_of_another_tenants_mapping_is_not_found(
    client: httpx.AsyncClient, other_tenant: TestTenant, gql: GraphQLClient
) -> None:
    theirs = await r.make_mapping(client, other_tenant)
    result = (await gql.data(PREVIEW, {"records": [], "id": theirs["id"]}))["previewMapping"]
    assert result["__typename"] == "NotFoundError"


async def test_deliveries_are_paged_and_scoped(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, gql: GraphQLClient
) -> None:
    ours = await r.make_endpoint(client, tenant)
    page = (await gql.data(DELIVERIES, {"id": ours["id"]}))["webhookDeliveries"]
    assert page == {"items": [], "page": 1, "pageSize": 5, "total": 0}
    theirs = await r.make_endpoint(client, other_tenant)
    assert (await gql.data(DELIVERIES, {"id": theirs["id"]}))["webhookDeliveries"] is None


async def test_deliveries_answer_and_filter_their_status_as_an_enum(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    endpoint = await r.make_endpoint(client, tenant)
    for status in ("accepted", "skipped"):
        await WebhookDelivery.create(tenant_id=tenant.id, endpoint_id=endpoint["id"], status=status)
    query = """query($id: ID!, $status: WebhookDeliveryStatus) {
      webhookDeliveries(endpointId: $id, status: $status) { items { status } total }
    }"""
    every = (await gql.data(query, {"id": endpoint["id"]}))["webhookDeliveries"]
    assert sorted(i["status"] for i in every["items"]) == ["ACCEPTED", "SKIPPED"]
    skipped = (await gql.data(query, {"id": endpoint["id"], "status": "SKIPPED"}))["webhookDeliveries"]
    assert skipped == {"items": [{"status": "SKIPPED"}], "total": 1}
    (error,) = await gql.errors(query, {"id": endpoint["id"], "status": "skipped"})
    assert "WebhookDeliveryStatus" in error["message"]


async def test_deleting_a_used_profile_is_a_conflict_naming_its_users(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    instance = await r.make_instance(client, tenant)
    query = """mutation($id: ID!) {
      deleteConnectionProfile(id: $id, expectedVersion: 1) {
        __typename ... on ConflictError { message referencedBy { kind ids } }
      }
    }"""
    result = (await gql.data(query, {"id": instance["sourceProfileId"]}))["deleteConnectionProfile"]
    assert result["__typename"] == "ConflictError"
    assert result["referencedBy"] == [{"kind": "instances", "ids": [instance["id"]]}]


async def test_a_duplicate_name_is_a_conflict(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    row = await r.make_mapping(client, tenant)
    result = await MAPPING.create(gql, {"name": row["name"], "document": r.DOCUMENT})
    assert result["__typename"] == "ConflictError" and row["name"] in result["message"]


async def test_create_webhook_endpoint_shows_the_generated_secret_once(
    gql: GraphQLClient, client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    instance = await r.make_instance(client, tenant)
    query = """mutation($input: WebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) {
        __typename ... on CreateWebhookEndpointPayload { secret webhookEndpoint { id url } }
      }
    }"""
    created = await gql.data(query, {"input": {"instanceId": instance["id"], "provider": "GENERIC"}})
    payload = created["createWebhookEndpoint"]
    assert payload["secret"].startswith("whsec_")
    assert payload["webhookEndpoint"]["url"] == f"/api/v1/webhooks/{payload['webhookEndpoint']['id']}"
    shown = await client.get(
        r.API + f"/webhook-endpoints/{payload['webhookEndpoint']['id']}", headers=tenant.headers
    )
    assert payload["secret"] not in shown.text
