"""The GraphQL endpoint: `/graphql` over HTTP (POST; GraphiQL on a browser's GET) and WebSocket.

Authentication: the ApiKey middleware has already checked every POST and put the tenant in the scope.
A GET is public so that GraphiQL loads, hence queries over GET are disabled here: a GET never
executes anything. A WebSocket is authenticated at `connection_init` (`{"Authorization": "ApiKey
<key>"}` in its payload, or the handshake's Authorization header); without a valid key it is closed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from ezy import jsonsafe
from ezy.errors import invalid
from ezy.jsonenc import encode
from ezy.rest.problems import problem
from ezy.tenants.keys import authenticate
from schema.context import GraphQLContext
from schema.root import schema

PATH = "/graphql"
# A GraphQL string literal spells NUL as `\u0000` or `\u{0}` (an escaped backslash before `u` is text).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u(?:0000|\{0+\})")


GRAPHIQL_DIR = Path(__file__).parent / "graphiql"


class EzyGraphQL(GraphQL[GraphQLContext, None]):
    # GraphiQL from files shipped in the package (strawberry's page loads it from a CDN).
    graphql_ide_html = (GRAPHIQL_DIR / "index.html").read_text()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:  # strawberry's own refusals (a batch, no query...) as problems
            response = problem(exc.status_code, exc.reason)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        # The one parser for client JSON: NUL, lone surrogates, NaN and deep nesting are refused.
        body = jsonsafe.loads(data)
        query = body.get("query") if isinstance(body, dict) else None
        if isinstance(query, str) and _NUL_ESCAPE.search(query):
            raise invalid("/query", "a string in the query contains a NUL character (\\u0000)")
        return body

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
