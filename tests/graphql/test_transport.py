"""The endpoint: who may call it, over which transport, and what a caller sees of an unexpected failure."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from ezy.tenants import keys
from schema.context import GraphQLContext
from schema.root import schema
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

QUERY = "{ apiKeys { total } }"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer abc"}, id="other-scheme"),
        pytest.param({"Authorization": "ApiKey ezy_000000000000_unknownsecretvalue"}, id="unknown"),
    ],
)
async def test_post_without_a_valid_key_is_401(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "ApiKey"


async def test_a_resolver_without_a_tenant_answers_unauthenticated() -> None:
    """Defence in depth: were a request to reach the schema unauthenticated, no service is called."""
    context = GraphQLContext(request=Request({"type": "http", "headers": []}))
    result = await schema.execute(QUERY, context_value=context)
    assert result.errors and result.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert result.data is None


async def test_browser_get_serves_graphiql_without_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize("with_key", [pytest.param(False, id="anonymous"), pytest.param(True, id="with-key")])
async def test_get_never_executes_a_query(
    client: httpx.AsyncClient, tenant: TestTenant, with_key: bool
) -> None:
    headers = tenant.headers if with_key else {}
    response = await client.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.status_code == 400
    assert "total" not in response.text


async def test_get_never_executes_a_mutation(client: httpx.AsyncClient) -> None:
    mutation = 'mutation { createApiKey(input: {name: "x"}) { __typename } }'
    response = await client.get("/graphql", params={"query": mutation})
    assert response.status_code == 400


async def test_unexpected_errors_are_masked_and_carry_the_request_id(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> Any:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(keys, "list_keys", broken)
    gql.headers = {**gql.headers, "X-Request-Id": "req-123"}
    response = await gql.raw(QUERY)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


class _WebSocket:
    """Drives the ASGI app's WebSocket in this event loop (the database lives in this loop)."""

    def __init__(self, app: Starlette, headers: list[tuple[bytes, bytes]]) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        scope = {
            "type": "websocket",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "headers": [(b"host", b"test"), *headers],
            "subprotocols": ["graphql-transport-ws"],
            "scheme": "ws",
            "server": ("test", 80),
            "client": ("test", 1),
            "root_path": "",
            "app": app,
        }
        self.task = asyncio.create_task(app(scope, self.incoming.get, self._send))

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        await self.outgoing.put(dict(message))

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.incoming.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.outgoing.get(), timeout=5)

    async def close(self) -> None:
        await self.incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, timeout=5)


async def _open(app: Starlette, payload: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> _WebSocket:
    ws = _WebSocket(app, headers)
    await ws.incoming.put({"type": "websocket.connect"})
    assert (await ws.next())["type"] == "websocket.accept"
    await ws.send_json({"type": "connection_init", "payload": payload})
    return ws


async def test_websocket_without_a_key_is_closed(app: Starlette) -> None:
    ws = await _open(app, {}, [])
    closed = await ws.next()
    assert closed["type"] == "websocket.close" and closed["code"] == 4403
    await ws.close()


async def test_websocket_with_a_key_in_the_init_payload_is_acknowledged(
    app: Starlette, tenant: TestTenant
) -> None:
    ws = await _open(app, {"Authorization": f"ApiKey {tenant.key}"}, [])
    message = await ws.next()
    assert json.loads(message["text"]) == {"type": "connection_ack"}
    await ws.close()


async def test_websocket_with_a_key_in_the_handshake_is_acknowledged(
    app: Starlette, tenant: TestTenant
) -> None:
    ws = await _open(app, {}, [(b"authorization", f"ApiKey {tenant.key}".encode())])
    assert json.loads((await ws.next())["text"]) == {"type": "connection_ack"}
    await ws.close()


async def test_graphiql_is_served_from_the_package_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/graphql/static/") for a in assets), assets
    assert "unpkg" not in page.text and "https://" not in page.text
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200 and len(served.content) > 1000, asset
