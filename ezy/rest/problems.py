"""RFC 9457 problem+json for every error the API can answer, mapped from the error tree in one place."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ezy import errors
from ezy.logs import request_id_var
from ezy.unavailable import is_unavailable, unavailable_error

log = logging.getLogger("ezy.api")

STATUS: dict[type[errors.EzyError], int] = {
    errors.InvalidRequest: 400,
    errors.Unauthenticated: 401,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.VersionMismatch: 412,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.ValidationFailed: 422,
    errors.VersionRequired: 428,
    errors.RateLimited: 429,
    errors.RemoteFailed: 502,
    errors.ServiceUnavailable: 503,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    field_errors: list[errors.FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if field_errors:
        body["errors"] = [e.as_dict() for e in field_errors]
    body.update(extra or {})
    return ProblemResponse(body, status_code=status, headers=headers)


def unauthorized(detail: str) -> ProblemResponse:
    return problem(401, detail, headers={"WWW-Authenticate": "ApiKey"})


def status_of(exc: errors.EzyError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def ezy_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.EzyError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    extra = dict(exc.extra)
    if isinstance(exc, errors.VersionMismatch):
        headers["ETag"] = f'"{exc.current_version}"'
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "ApiKey"
    if isinstance(exc, errors.RateLimited | errors.ServiceUnavailable) and "retryAfter" in extra:
        headers["Retry-After"] = str(extra["retryAfter"])
    return problem(
        status,
        exc.detail,
        type_=f"https://ezy.dev/problems/{exc.code}",
        field_errors=exc.errors,
        extra=extra,
        headers=headers,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404:
        detail = f"no route {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """503 when the database or Redis cannot be reached (the client may retry); otherwise a 500."""
    if is_unavailable(exc):
        log.warning("backend unavailable: %s", type(exc).__name__, extra={"path": request.url.path})
        return await ezy_error_handler(request, unavailable_error())
    # Logged with the request id; the client gets the id to quote, never the trace.
    request_id = str(request.scope.get("ezy.request_id", request_id_var.get()))
    log.exception("unhandled error", extra={"request_id": request_id, "path": request.url.path})
    return problem(
        500, f"An unexpected error occurred (request id {request_id}).", extra={"requestId": request_id}
    )
