"""The `ApiKey` scheme: every route is authenticated except the public ones api.md lists."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ezy.rest.problems import unauthorized
from ezy.tenants.keys import authenticate

# The webhook receiver authenticates by signature (or by key, checked by the receiver itself).
PUBLIC_API_PREFIX = "/api/v1/webhooks/"


def _is_public(scope: Scope) -> bool:
    """Only the API and GraphQL need a key; health, docs, the console and static files do not."""
    path: str = scope["path"]
    if path.startswith("/api/"):
        return path.startswith(PUBLIC_API_PREFIX)
    if path == "/graphql":
        # A browser's GET gets GraphiQL; queries over GET are refused by the GraphQL app itself.
        return scope.get("method") == "GET"
    return True


class ApiKeyAuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_public(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        header = headers.get(b"authorization", b"").decode("latin-1").strip()
        scheme, _, credentials = header.partition(" ")
        if not header:
            response = unauthorized("missing Authorization header; use `Authorization: ApiKey <key>`")
        elif scheme.lower() != "apikey" or not credentials.strip():
            response = unauthorized("unsupported authorization scheme; use `Authorization: ApiKey <key>`")
        else:
            ctx = await authenticate(credentials.strip())
            if ctx is not None:
                scope["ezy.tenant"] = ctx
                await self.app(scope, receive, send)
                return
            response = unauthorized("the API key is unknown, expired or revoked")
        await response(scope, receive, send)
