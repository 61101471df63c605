"""The Starlette application: routes, middleware, error handlers, and the lifespan of the runtime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from ezy.config import Settings
from ezy.console import routes as console
from ezy.errors import EzyError
from ezy.rest import health, openapi
from ezy.rest.auth import ApiKeyAuthMiddleware
from ezy.rest.middleware import BodyLimitMiddleware, ErrorBoundaryMiddleware, RequestIdMiddleware
from ezy.rest.problems import ezy_error_handler, http_error_handler, unexpected_error_handler
from ezy.rest.ratelimit import rate_limit_middleware
from ezy.rest.routes import api_routes
from ezy.runtime import Runtime
from schema.app import graphql_routes

log = logging.getLogger("ezy.app")
# A background role started with the app (`ezy up`): given the runtime, runs until cancelled.
Role = Callable[[Runtime], Coroutine[Any, Any, None]]


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background role stopped", exc_info=task.exception())


def create_app(
    settings: Settings | None = None,
    *,
    roles: tuple[Role, ...] = (),
    started: Callable[[], None] | None = None,
) -> Starlette:
    """`started` is called once the runtime is up, before the first request."""
    settings = settings or Settings.from_env()
    runtime = Runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with runtime:
            if started is not None:
                started()
            tasks = [asyncio.create_task(role(runtime)) for role in roles]
            for task in tasks:
                task.add_done_callback(_report_crash)
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    routes: list[BaseRoute] = [
        *health.routes,
        *openapi.routes,
        *graphql_routes(),
        Mount("/api/v1", routes=api_routes()),
        *console.routes,
    ]
    if settings.metrics_enabled:
        routes.append(health.metrics_route)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(ErrorBoundaryMiddleware),
            Middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes),
            Middleware(ApiKeyAuthMiddleware),
            rate_limit_middleware(settings),
        ],
        exception_handlers={
            EzyError: ezy_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
