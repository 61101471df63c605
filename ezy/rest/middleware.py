from __future__ import annotations

import functools
import logging
import time
import uuid
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ezy.errors import EzyError, PayloadTooLarge
from ezy.logs import correlation_id_var, request_id_var
from ezy.rest.problems import ezy_error_handler, problem, unexpected_error_handler

log = logging.getLogger("ezy.api")
REQUESTS = Counter("ezy_http_requests_total", "HTTP requests", ["method", "status"])
LATENCY = Histogram("ezy_http_request_seconds", "HTTP request latency", ["method"])


# The metrics' children by label values, looked up once: `labels()` validates, locks and looks up
# on every call. Children are never removed, so holding them is what prometheus_client does too.
@functools.cache
def _requests(method: str, status: int) -> Any:
    return REQUESTS.labels(method, str(status))


@functools.cache
def _latency(method: str) -> Any:
    return LATENCY.labels(method)


class RequestIdMiddleware:
    """Tags each request with an id (the client's `X-Request-Id` when sane) for logs and 500 answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # A request that starts a run tags its later lines with the run's id (until it ends).
        run_token = correlation_id_var.set(None)
        # Also on the scope: the 500 handler runs outside this middleware, after the reset below.
        scope["ezy.request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _requests(scope["method"], status).inc()
            _latency(scope["method"]).observe(time.perf_counter() - started)
            correlation_id_var.reset(run_token)
            request_id_var.reset(token)


class ErrorBoundaryMiddleware:
    """Answers every exception that escapes the app, and keeps the connection usable afterwards.

    Starlette's ServerErrorMiddleware re-raises after sending its 500, and uvicorn closes a
    kept-alive connection when an app raises; here the exception ends with its answer instead
    (problem+json: the mapped status for domain errors, 503 for an unreachable backend, else 500).
    Only a response that had already begun is cut off, as it must be.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        phase = "before"

        async def tracking_send(message: Message) -> None:
            nonlocal phase
            if message["type"] == "http.response.start":
                phase = "started"
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                phase = "done"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if phase == "started":
                raise  # half a response: the connection must be closed
            request = Request(scope)
            if phase == "done":  # e.g. a background task: the client has its answer already
                log.exception("error after the response was sent", extra={"path": request.url.path})
                return
            handler = ezy_error_handler if isinstance(exc, EzyError) else unexpected_error_handler
            response = await handler(request, exc)
            await response(scope, receive, send)


class BodyLimitMiddleware:
    """413 problem+json for bodies over the limit, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large()(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise PayloadTooLarge(self._detail())
            return message

        await self.app(scope, counting_receive, send)

    def _detail(self) -> str:
        return f"the request body exceeds {self.max_body_bytes} bytes"

    def _too_large(self) -> Response:
        return problem(413, self._detail())
