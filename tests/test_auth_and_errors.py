"""The ApiKey scheme and problem+json for everything a client can get wrong."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import TestTenant

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("Bearer abc", id="other-scheme"),
        pytest.param("ApiKey", id="scheme-without-key"),
        pytest.param("ApiKey not-a-key", id="malformed"),
        pytest.param("ApiKey ezy_000000000000_unknownsecretvalue", id="unknown"),
    ],
)
async def test_bad_credentials_are_401_with_challenge(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get("/api/v1/api-keys", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "ApiKey"
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 401


async def test_a_right_prefix_with_a_wrong_secret_is_refused(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    forged = tenant.key[:-4] + ("AAAA" if not tenant.key.endswith("AAAA") else "BBBB")
    response = await client.get("/api/v1/api-keys", headers={"Authorization": f"ApiKey {forged}"})
    assert response.status_code == 401


async def test_scheme_name_is_case_insensitive(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await client.get("/api/v1/api-keys", headers={"Authorization": f"apikey {tenant.key}"})
    assert response.status_code == 200


async def test_unknown_route_is_problem_404(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await client.get("/api/v1/no-such-thing", headers=tenant.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Not found"


async def test_unknown_route_outside_the_api_is_404_without_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


async def test_wrong_method_is_problem_405(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await client.put("/api/v1/api-keys", headers=tenant.headers, json={})
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


async def test_malformed_json_is_400(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await client.post(
        "/api/v1/api-keys",
        content=b'{"name": ',
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "malformed JSON" in response.json()["detail"]


async def test_non_json_media_type_is_415(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    response = await client.post(
        "/api/v1/api-keys", content=b"name=x", headers={**tenant.headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM


async def test_a_json_array_where_an_object_is_expected_is_422(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    response = await client.post("/api/v1/api-keys", json=[1, 2], headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == ""


async def test_huge_body_is_413(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    body = b'{"name": "' + b"x" * (200 * 1024) + b'"}'
    response = await client.post(
        "/api/v1/api-keys", content=body, headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_unexpected_errors_are_500_problems_without_a_trace(
    app: Starlette, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(request: Request) -> Response:
        raise RuntimeError("database password is hunter2")

    app.router.routes.append(Route("/boom", explode))
    try:
        response = await client.get("/boom", headers={"X-Request-Id": "req-123"})
    finally:
        app.router.routes.pop()
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.json()["requestId"] == "req-123"
    assert any(getattr(r, "request_id", None) == "req-123" for r in caplog.records)


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert len(response.headers["x-request-id"]) >= 16


async def test_huge_streamed_body_without_length_is_413(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "'
        for _ in range(100):
            yield b"x" * 4096
        yield b'"}'

    response = await client.post(
        "/api/v1/api-keys", content=chunks(), headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
