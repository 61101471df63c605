"""Rate limits at the HTTP edge: per API key (REST and GraphQL alike) and per webhook endpoint.

Placed after `ApiKeyAuthMiddleware`, so the key is known; an unauthenticated request never counts
against a key. The webhook receiver is public, so its requests count against their endpoint instead,
before the body is read or stored. Over the limit: `429` problem+json with `Retry-After` (seconds).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ezy.config import Settings
from ezy.context import TenantContext
from ezy.errors import RateLimited
from ezy.ratelimit import RateLimiter, limiter
from ezy.rest.auth import PUBLIC_API_PREFIX
from ezy.rest.problems import ezy_error_handler
from ezy.scoping import parse_id


def _subject(scope: Scope) -> tuple[str, str] | None:
    """Which limit this request counts against: ("key", key id), ("endpoint", endpoint id) or none."""
    ctx = scope.get("ezy.tenant")
    if isinstance(ctx, TenantContext) and ctx.api_key_id is not None:
        return "key", str(ctx.api_key_id)
    path: str = scope["path"]
    if path.startswith(PUBLIC_API_PREFIX) and scope.get("method") == "POST":
        endpoint_id = parse_id(path.removeprefix(PUBLIC_API_PREFIX))
        if endpoint_id is not None:  # anything else is a 404 that costs no Redis key
            return "endpoint", str(endpoint_id)
    return None


def rate_limit_middleware(settings: Settings) -> Middleware:
    """Parses the configured limits now, so a bad `EZY_RATE_LIMIT_*` stops the app from starting."""
    limiters = {
        "key": limiter(settings.rate_limit_per_key, "API key"),
        "endpoint": limiter(settings.rate_limit_per_webhook_endpoint, "webhook endpoint"),
    }
    return Middleware(RateLimitMiddleware, limiters=limiters)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiters: dict[str, RateLimiter | None]) -> None:
        self.app = app
        self.limiters = limiters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subject = _subject(scope) if scope["type"] == "http" else None
        chosen = self.limiters[subject[0]] if subject else None
        if subject is not None and chosen is not None:
            try:
                await chosen.hit(subject[1])
            except RateLimited as exc:
                response = await ezy_error_handler(Request(scope), exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
