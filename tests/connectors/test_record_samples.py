"""Sampling a source's first records through a profile (POST .../sample, GraphQL `sampleRecords`).

The console fills a mapping preview with these; they must be the records a run would extract, read
without writing or paging on, and every failure an answer that says why without a secret.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg
import httpx
import pytest

from ezy.connections import sampling
from ezy.connectors.sample import SampleConnector
from ezy.rest.openapi import build_document
from ezy.runtime import Runtime
from tests import resources as r
from tests.conftest import TestTenant
from tests.connectors.http_helpers import bearer_profile
from tests.fakes.rest_api import Fault, RestApi
from tests.fakes.shopify import VERSION, FakeStore
from tests.graphql.conftest import GraphQLClient
from tests.test_openapi import component_validator

SECRET = "tok-Vq93-never-shown"
SAMPLE = """query($id: ID!, $resource: String!, $limit: Int) {
  sampleRecords(profileId: $id, resource: $resource, limit: $limit) {
    __typename
    ... on RecordSample { resource records truncated }
    ... on ValidationError { message fieldErrors { pointer message } }
    ... on NotFoundError { message }
    ... on RemoteError { message }
  }
}"""


def url(profile: dict[str, Any]) -> str:
    return f"{r.API}/connection-profiles/{profile['id']}/sample"


def http_profile(api: RestApi, **config: Any) -> dict[str, Any]:
    return bearer_profile(api, SECRET, **config)


async def sample(
    client: httpx.AsyncClient, tenant: TestTenant, profile: dict[str, Any], body: Any
) -> httpx.Response:
    return await client.post(url(profile), json=body, headers=tenant.headers)


# --- good input --------------------------------------------------------------------------------


async def test_a_sample_profile_answers_its_first_records(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    profile = await r.make_profile(client, tenant, config={"count": 1000, "seed": 3})
    answer = await sample(client, tenant, profile, {"resource": "orders", "limit": 4})
    assert answer.status_code == 200, answer.text
    expected = SampleConnector({"count": 1000, "seed": 3}).generate("orders", 0, 4)
    assert answer.json() == {"resource": "orders", "records": expected, "truncated": False}
    default = (await sample(client, tenant, profile, {"resource": "products"})).json()
    assert len(default["records"]) == 10  # the default limit


async def test_graphql_answers_what_rest_answers(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    gql = GraphQLClient(client, tenant.headers)
    profile = await r.make_profile(client, tenant)
    result = (await gql.data(SAMPLE, {"id": profile["id"], "resource": "customers", "limit": 3}))[
        "sampleRecords"
    ]
    rest = (await sample(client, tenant, profile, {"resource": "customers", "limit": 3})).json()
    assert result == {"__typename": "RecordSample", **rest}
    assert len(result["records"]) == 3


async def test_an_http_source_is_read_one_page_and_nothing_is_written(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    rest_api.require = {"Authorization": f"Bearer {SECRET}"}
    profile = await r.make_profile(client, tenant, **http_profile(rest_api))
    answer = await sample(client, tenant, profile, {"resource": "page/products", "limit": 5})
    assert answer.status_code == 200, answer.text
    assert answer.json()["records"] == rest_api.collections["products"][:5]
    assert answer.json()["records"][0]["id"] == 9_007_199_254_740_993  # exact past 2^53
    gets = rest_api.gets("/page/products")
    assert len(gets) == 1 and gets[0].query == {"page": "1", "per_page": "5"}  # the first page only
    assert [seen.method for seen in rest_api.requests] == ["GET"]


async def test_a_shopify_sample_pages_rather_than_starting_a_bulk_operation(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore
) -> None:
    config = {
        "shopDomain": shopify_store.domain,
        "apiVersion": VERSION,
        "endpoint": shopify_store.base_url,
        "bulkThreshold": 1,  # a run's full read would go through a bulk operation
    }
    profile = await r.make_profile(
        client, tenant, kind="shopify", config=config, secrets={"accessToken": shopify_store.token}
    )
    answer = await sample(client, tenant, profile, {"resource": "products", "limit": 3})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["records"]) == 3 and answer.json()["records"][0]["title"]
    assert shopify_store.bulk_operations == []


async def test_records_past_the_size_cap_are_left_out_and_said_so(
    client: httpx.AsyncClient, tenant: TestTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sampling, "MAX_SAMPLE_BYTES", 2_000)
    profile = await r.make_profile(client, tenant)
    answer = (await sample(client, tenant, profile, {"resource": "products", "limit": 10})).json()
    assert answer["truncated"] is True and 0 < len(answer["records"]) < 10
    assert len(httpx.Response(200, json=answer["records"]).content) <= 2_000


async def test_a_postgres_table_is_sampled_in_a_read_only_transaction(
    client: httpx.AsyncClient, tenant: TestTenant, postgres_dsn: str, pg_table: str
) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(f'CREATE TABLE "{pg_table}" (id int PRIMARY KEY, price numeric, sku text)')
        await conn.executemany(
            f'INSERT INTO "{pg_table}" VALUES ($1, $2, $3)', [(i, f"{i}.50", f"S-{i}") for i in range(30)]
        )
        profile = await r.make_profile(client, tenant, kind="postgres", config={"dsn": postgres_dsn})
        answer = await sample(client, tenant, profile, {"resource": pg_table, "limit": 3})
        assert answer.status_code == 200, answer.text
        assert sorted(answer.json()["records"], key=lambda row: row["id"]) == [
            {"id": i, "price": f"{i}.50", "sku": f"S-{i}"} for i in range(3)
        ]
        missing = await sample(client, tenant, profile, {"resource": f"{pg_table}_gone"})
        assert missing.status_code == 422 and r.pointers(missing) == ["/resource"]
        assert f"unknown resource '{pg_table}_gone'" in missing.json()["detail"]
        assert await conn.fetchval(f'SELECT count(*) FROM "{pg_table}"') == 30
    finally:
        await conn.close()


# --- the remote failing ------------------------------------------------------------------------


async def test_credentials_the_api_refuses_are_a_502_without_the_secret(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    rest_api.require = {"Authorization": "Bearer something-else"}
    profile = await r.make_profile(client, tenant, **http_profile(rest_api))
    answer = await sample(client, tenant, profile, {"resource": "page/products"})
    assert answer.status_code == 502, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "refused the credentials" in answer.json()["detail"] and "401" in answer.json()["detail"]
    assert SECRET not in answer.text
    gql = GraphQLClient(client, tenant.headers)
    result = (await gql.data(SAMPLE, {"id": profile["id"], "resource": "page/products"}))["sampleRecords"]
    assert result["__typename"] == "RemoteError" and "refused the credentials" in result["message"]


async def test_a_remote_that_never_answers_is_a_502_when_the_time_is_up(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sampling, "SAMPLE_TIMEOUT_SECONDS", 0.3)
    rest_api.inject(Fault(delay=3, times=5))
    profile = await r.make_profile(client, tenant, **http_profile(rest_api, timeoutSeconds=30))
    answer = await sample(client, tenant, profile, {"resource": "page/products"})
    assert answer.status_code == 502, answer.text
    assert answer.json()["detail"] == "reading 'page/products' did not finish within 0.3 s"


async def test_an_unreachable_host_is_a_502_naming_it(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    config = {"shopDomain": "s.myshopify.com", "apiVersion": "2026-01", "endpoint": "https://shop.invalid"}
    profile = await r.make_profile(
        client, tenant, kind="shopify", config=config, secrets={"accessToken": SECRET}
    )
    answer = await sample(client, tenant, profile, {"resource": "products"})
    assert answer.status_code == 502
    assert "cannot resolve host 'shop.invalid'" in answer.json()["detail"] and SECRET not in answer.text


async def test_a_path_the_api_does_not_know_is_its_own_404_quoted(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    profile = await r.make_profile(client, tenant, **http_profile(rest_api))
    answer = await sample(client, tenant, profile, {"resource": "page/widgets"})
    assert answer.status_code == 502 and "404" in answer.json()["detail"]


async def test_a_private_address_is_refused_unless_allowed(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    rest_api: RestApi,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = await r.make_profile(client, tenant, **http_profile(rest_api))
    monkeypatch.setattr(
        runtime, "settings", dataclasses.replace(runtime.settings, allow_private_networks=False)
    )
    answer = await sample(client, tenant, profile, {"resource": "page/products"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("refused:")
    assert rest_api.requests == []


# --- bad input ---------------------------------------------------------------------------------


async def test_an_unknown_resource_is_422_naming_the_known_ones(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    profile = await r.make_profile(client, tenant)
    answer = await sample(client, tenant, profile, {"resource": "widgets"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"pointer": "/resource", "message": "unknown resource 'widgets'; one of products, orders, customers"}
    ]
    gql = GraphQLClient(client, tenant.headers)
    result = (await gql.data(SAMPLE, {"id": profile["id"], "resource": "widgets"}))["sampleRecords"]
    assert result["__typename"] == "ValidationError"
    assert result["fieldErrors"][0]["pointer"] == "/resource"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({}, "/resource", id="missing-resource"),
        pytest.param({"resource": ""}, "/resource", id="empty-resource"),
        pytest.param({"resource": "   "}, "/resource", id="blank-resource"),
        pytest.param({"resource": 7}, "/resource", id="resource-not-a-string"),
        pytest.param({"resource": "x" * 201}, "/resource", id="over-long-resource"),
        pytest.param({"resource": "a\u0000b"}, "/resource", id="nul-in-resource"),
        pytest.param({"resource": "products", "limit": 0}, "/limit", id="limit-0"),
        pytest.param({"resource": "products", "limit": 51}, "/limit", id="limit-51"),
        pytest.param({"resource": "products", "limit": 2**64}, "/limit", id="limit-2**64"),
        pytest.param({"resource": "products", "limit": -1}, "/limit", id="limit-negative"),
        pytest.param({"resource": "products", "limit": "10"}, "/limit", id="limit-a-string"),
        pytest.param({"resource": "products", "limit": 2.5}, "/limit", id="limit-a-fraction"),
        pytest.param({"resource": "products", "limit": True}, "/limit", id="limit-a-boolean"),
        pytest.param({"resource": "products", "limit": None}, "/limit", id="limit-null"),
        pytest.param({"resource": "products", "cursor": "x"}, "/cursor", id="unknown-member"),
        pytest.param(["products"], "", id="an-array"),
    ],
)
async def test_bad_bodies_are_422_at_the_member(
    client: httpx.AsyncClient, tenant: TestTenant, body: Any, pointer: str
) -> None:
    profile = await r.make_profile(client, tenant)
    answer = await sample(client, tenant, profile, body)
    assert answer.status_code == 422, answer.text
    assert pointer in r.pointers(answer)


async def test_graphql_limits_out_of_range_are_validation_errors(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    gql = GraphQLClient(client, tenant.headers)
    profile = await r.make_profile(client, tenant)
    for limit in (0, 51):
        result = (await gql.data(SAMPLE, {"id": profile["id"], "resource": "products", "limit": limit}))[
            "sampleRecords"
        ]
        assert result["__typename"] == "ValidationError"
        assert [e["pointer"] for e in result["fieldErrors"]] == ["/limit"]
    errors = await gql.errors(SAMPLE, {"id": profile["id"], "resource": "products", "limit": 2**64})
    assert "Int cannot represent" in errors[0]["message"]  # GraphQL's Int is 32 bits


@pytest.mark.parametrize(
    ("content", "status"),
    [
        pytest.param(b'{"resource": ', 400, id="malformed-json"),
        pytest.param(b"", 400, id="empty"),
        pytest.param(b'"products"', 422, id="a-string"),
    ],
)
async def test_malformed_bodies(
    client: httpx.AsyncClient, tenant: TestTenant, content: bytes, status: int
) -> None:
    profile = await r.make_profile(client, tenant)
    headers = {**tenant.headers, "Content-Type": "application/json"}
    answer = await client.post(url(profile), content=content, headers=headers)
    assert answer.status_code == status, answer.text


async def test_without_a_key_it_is_401(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    profile = await r.make_profile(client, tenant)
    answer = await client.post(url(profile), json={"resource": "products"})
    assert answer.status_code == 401


async def test_another_tenants_profile_is_404_in_rest_and_graphql(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    theirs = await r.make_profile(client, other_tenant)
    answer = await sample(client, tenant, theirs, {"resource": "products"})
    assert answer.status_code == 404
    gql = GraphQLClient(client, tenant.headers)
    result = (await gql.data(SAMPLE, {"id": theirs["id"], "resource": "products"}))["sampleRecords"]
    assert result["__typename"] == "NotFoundError"
    unknown = {"id": "00000000-0000-4000-8000-000000000000"}
    assert (await sample(client, tenant, unknown, {"resource": "products"})).status_code == 404
    assert (await sample(client, tenant, {"id": "not-an-id"}, {"resource": "products"})).status_code == 404


# --- the OpenAPI document ------------------------------------------------------------------------


async def test_the_document_describes_the_route_as_it_answers(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    spec = build_document()
    op = spec["paths"]["/api/v1/connection-profiles/{id}/sample"]["post"]
    assert {"200", "401", "404", "422", "502"} <= set(op["responses"])
    assert spec["components"]["schemas"]["SampleRequest"]["properties"]["limit"]["maximum"] == 50
    profile = await r.make_profile(client, tenant)
    good = (await sample(client, tenant, profile, {"resource": "orders", "limit": 2})).json()
    assert not list(component_validator(spec, "RecordSample").iter_errors(good))
    refused = await r.make_profile(client, tenant, **http_profile(rest_api))
    rest_api.require = {"Authorization": "Bearer something-else"}
    problem = (await sample(client, tenant, refused, {"resource": "page/products"})).json()
    assert problem["status"] == 502 and problem["title"] == "Bad gateway"
    assert not list(component_validator(spec, "Problem").iter_errors(problem))


def test_the_size_cap_and_the_names_an_error_lists() -> None:
    big = {"text": "x" * sampling.MAX_SAMPLE_BYTES}
    assert sampling.capped([big]) == sampling.Sample([], truncated=True)
    assert sampling.capped([{"a": 1}, {"b": 2}]) == sampling.Sample([{"a": 1}, {"b": 2}], truncated=False)
    names = [f"t{i}" for i in range(25)]
    assert sampling._some(names) == ", ".join(names[:20]) + " and 5 more"
