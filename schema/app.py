"""The GraphQL endpoint: `/graphql` over HTTP (POST; GraphiQL on a browser's GET) and WebSocket.

Authentication: the ApiKey middleware has already checked every POST and put the tenant in the scope.
A GET is public so that GraphiQL loads, hence queries over GET are disabled here: a GET never
executes anything. A WebSocket is authenticated at `connection_init` (`{"Authorization": "ApiKey
<key>"}` in its payload, or the handshake's Authorization header); without a valid key it is closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from ezy.jsonenc import encode
from ezy.tenants.keys import authenticate
from schema.context import GraphQLContext
from schema.root import schema

PATH = "/graphql"


GRAPHIQL_DIR = Path(__file__).parent / "graphiql"


class EzyGraphQL(GraphQL[GraphQLContext, None]):
    # GraphiQL from files shipped in the package (strawberry's page loads it from a CDN).
    graphql_ide_html = (GRAPHIQL_DIR / "index.html").read_text()

    def encode_json(self, data: object) -> str:
        return encode(data).decode()  # text: WebSocket messages are text frames

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        return GraphQLContext.for_request(request, response)

    async def on_ws_connect(self, context: GraphQLContext) -> UnsetType | dict[str, object] | None:
        header = _credentials(context.connection_params) or context.request.headers.get("authorization", "")
        scheme, _, key = header.strip().partition(" ")
        tenant = await authenticate(key.strip()) if scheme.lower() == "apikey" else None
        if tenant is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        context.tenant = tenant
        return await super().on_ws_connect(context)


def _credentials(params: dict[str, Any] | None) -> str:
    value = next((v for k, v in (params or {}).items() if k.lower() == "authorization"), "")
    return value if isinstance(value, str) else ""


def graphql_routes() -> list[BaseRoute]:
    app = EzyGraphQL(schema, allow_queries_via_get=False)
    return [
        Route(PATH, app, methods=["GET", "POST"]),
        WebSocketRoute(PATH, app),
        Mount(f"{PATH}/static", StaticFiles(directory=GRAPHIQL_DIR), name="graphiql"),
    ]
