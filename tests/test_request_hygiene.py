"""What clients send that used to be a 500: each is now a 4xx problem+json (or GraphQL's 400)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ezy.runtime import Runtime
from tests import resources as r
from tests.conftest import TestTenant
from tests.test_webhook_receiver import deliveries, endpoint, standard_headers

PROBLEM = "application/problem+json"
NUL_NAME = b'{"name": "a\\u0000b", "kind": "sample", "config": {"count": 1, "seed": 1}}'


async def post_raw(client: httpx.AsyncClient, tenant: TestTenant, path: str, body: bytes) -> httpx.Response:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return await client.post(r.API + path, content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param(NUL_NAME, "/name", id="nul"),
        pytest.param(NUL_NAME.replace(b"u0000", b"ud800"), "/name", id="lone-surrogate"),
        pytest.param(NUL_NAME.replace(b'"count": 1', b'"count": 1e400'), "/config/count", id="1e400"),
    ],
)
async def test_unstorable_values_are_422_at_their_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, body: bytes, pointer: str
) -> None:
    response = await post_raw(client, tenant, "/connection-profiles", body)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert r.pointers(response) == [pointer]
    listed = await client.get(r.API + "/connection-profiles", headers=tenant.headers)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(NUL_NAME.replace(b'"count": 1', b'"count": NaN'), id="nan"),
        pytest.param(NUL_NAME.replace(b'"count": 1', b'"count": Infinity'), id="infinity"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, id="nested-30000-deep"),
        pytest.param(b'{"name": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
    ],
)
async def test_malformed_json_is_400(client: httpx.AsyncClient, tenant: TestTenant, body: bytes) -> None:
    response = await post_raw(client, tenant, "/connection-profiles", body)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"].startswith("malformed JSON")


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("page=99999999999999999999999", id="page-beyond-64-bits"),
        pytest.param("page=9223372036854775807", id="page-int64-max"),
        pytest.param("page=1000001", id="page-beyond-the-bound"),
        pytest.param("pageSize=1e3", id="page-size-not-an-integer"),
        pytest.param("page=%D9%A1", id="page-in-other-digits"),
    ],
)
async def test_page_parameters_out_of_bounds_are_400(
    client: httpx.AsyncClient, tenant: TestTenant, query: str
) -> None:
    response = await client.get(f"{r.API}/instances?{query}", headers=tenant.headers)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM


async def test_the_last_allowed_page_is_empty_not_an_error(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    response = await client.get(f"{r.API}/instances?page=1000000&pageSize=200", headers=tenant.headers)
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        pytest.param('W/"1"', 412, id="weak-tag-never-matches"),
        pytest.param('"99999999999999999999999"', 412, id="version-beyond-64-bits"),
        pytest.param('"1"', 200, id="strong-tag-matches"),
        pytest.param('"7", "1"', 412, id="several-versions"),
    ],
)
async def test_if_match_compares_strongly(
    client: httpx.AsyncClient, tenant: TestTenant, if_match: str, status: int
) -> None:
    profile = await r.make_profile(client, tenant)
    response = await client.patch(
        f"{r.API}/connection-profiles/{profile['id']}",
        json={"name": r.unique("renamed")},
        headers={**tenant.headers, "If-Match": if_match},
    )
    assert response.status_code == status, response.text
    if status == 412:
        assert response.headers["etag"] == '"1"'


async def test_a_webhook_with_a_nul_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = b'{"sku": "A-1", "title": "bad\\u0000title"}'
    response = await client.post(url, content=body, headers=standard_headers(secret, body))
    assert response.status_code == 422 and r.pointers(response) == ["/title"]
    assert await deliveries(url) == []


async def gql_post(client: httpx.AsyncClient, tenant: TestTenant, body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return await client.post("/graphql", content=content, headers=headers)


async def test_a_batched_graphql_body_is_a_400_problem(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await gql_post(client, tenant, [{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert "Batching" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(
            rb'{"query": "query($n: String!) { __typename }", "variables": {"n": "a\u0000"}}',
            422,
            id="nul-in-a-variable",
        ),
        pytest.param(b'{"query": "{ __typename }", "variables": {"n": NaN}}', 400, id="nan-in-variables"),
        pytest.param(
            b'{"query": "{ __typename }", "variables": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
            400,
            id="variables-20000-deep",
        ),
    ],
)
async def test_graphql_bodies_go_through_the_same_parser(
    client: httpx.AsyncClient, tenant: TestTenant, body: bytes, status: int
) -> None:
    response = await gql_post(client, tenant, body)
    assert response.status_code == status and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("name=" + "x" * 201, id="longer-than-the-column"),
        pytest.param("name=a%00b", id="nul"),
    ],
)
async def test_filter_values_nothing_can_match_are_400(
    client: httpx.AsyncClient, tenant: TestTenant, query: str
) -> None:
    response = await client.get(f"{r.API}/mapping-configurations?{query}", headers=tenant.headers)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM


async def test_an_expression_the_parser_chokes_on_is_a_422_not_a_500(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    document = {**r.DOCUMENT, "transform": {"fields": {"sku": "a ~ b"}}}  # found by the fuzzer
    response = await client.post(
        f"{r.API}/mapping-configurations", json=r.mapping_body(document=document), headers=tenant.headers
    )
    assert response.status_code == 422
    assert r.pointers(response) == ["/document/transform/fields/sku"]


@pytest.mark.parametrize(
    "letter_id",
    [pytest.param("x" * 300, id="longer-than-the-scope-column"), pytest.param("%00", id="nul")],
)
async def test_replaying_a_malformed_message_id_with_a_key_is_404(
    client: httpx.AsyncClient, tenant: TestTenant, letter_id: str
) -> None:
    response = await client.post(
        f"{r.API}/dlq/{letter_id}/replay", headers={**tenant.headers, "Idempotency-Key": "k-1"}
    )
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "literal",
    [pytest.param(r"a\u0000b", id="nul"), pytest.param(r"a\u{0}b", id="nul-braced")],
)
async def test_a_nul_in_a_graphql_string_literal_is_a_422_problem(
    client: httpx.AsyncClient, tenant: TestTenant, literal: str
) -> None:
    query = 'mutation { createConnectionProfile(input: {name: "%s", kind: "sample"}) { __typename } }'
    response = await gql_post(client, tenant, {"query": query % literal})
    assert response.status_code == 422 and r.pointers(response) == ["/query"]


async def test_a_lone_surrogate_in_a_graphql_string_literal_is_a_graphql_error(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    query = r'mutation { createConnectionProfile(input: {name: "a\ud800", kind: "sample"}) { __typename } }'
    response = await gql_post(client, tenant, {"query": query})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert "Unicode" in error["message"]
