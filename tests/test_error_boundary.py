"""Errors that escape a handler: answered as problems, and the kept-alive connection survives them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.serving import serving

PROBLEM = "application/problem+json"


async def explode(request: Request) -> Response:
    raise RuntimeError("database password is hunter2")


async def refused(request: Request) -> Response:
    raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.9', 5432)")


async def client_port(request: Request) -> Response:
    assert request.client is not None
    return JSONResponse({"port": request.client.port})


@pytest.fixture
async def server_url(app: Starlette) -> AsyncIterator[str]:
    """The test app on a real uvicorn (its runtime is the session's: no lifespan here)."""
    extra = [Route("/boom", explode), Route("/refused", refused), Route("/port", client_port)]
    app.router.routes[:0] = extra
    try:
        async with serving(app) as url:
            yield url
    finally:
        del app.router.routes[: len(extra)]


@pytest.mark.parametrize(("path", "status"), [("/boom", 500), ("/refused", 503)])
async def test_after_an_error_the_same_connection_serves_the_next_request(
    server_url: str, path: str, status: int
) -> None:
    async with httpx.AsyncClient(base_url=server_url, limits=httpx.Limits(max_connections=1)) as client:
        before = (await client.get("/port")).json()["port"]
        failed = await client.get(path)
        assert failed.status_code == status and failed.headers["content-type"] == PROBLEM
        assert "hunter2" not in failed.text and "10.0.0.9" not in failed.text
        after = await client.get("/port")
        assert after.status_code == 200
        assert after.json()["port"] == before  # the same TCP connection: it was not closed


async def test_an_unreachable_backend_is_503_with_retry_after(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as client:
        response = await client.get("/refused", headers={"X-Request-Id": "req-503"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["x-request-id"] == "req-503"
    assert response.json()["type"] == "https://ezy.dev/problems/service_unavailable"
