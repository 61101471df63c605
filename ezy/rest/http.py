"""What every handler shares: the caller's tenant, JSON bodies, ETags, page parameters."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ezy import jsonsafe
from ezy.context import TenantContext
from ezy.errors import FieldError, InvalidRequest, UnsupportedMediaType, ValidationFailed, VersionRequired
from ezy.jsonenc import encode
from ezy.pagination import PageRequest

JSON_TYPES = ("application/json", "application/merge-patch+json")


def tenant_of(request: Request) -> TenantContext:
    ctx = request.scope.get("ezy.tenant")
    assert isinstance(ctx, TenantContext), "route is not behind ApiKeyAuthMiddleware"
    return ctx


async def json_body(request: Request, *, allow_empty: bool = False) -> Any:
    """The parsed body: 415 for another media type, 400 for malformed JSON, 422 for unstorable values."""
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise InvalidRequest("a JSON body is required")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"expected application/json, got {media_type or 'no Content-Type'}")
    return jsonsafe.loads(raw)


async def json_object(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    body = await json_body(request, allow_empty=allow_empty)
    if not isinstance(body, dict):
        raise ValidationFailed(
            "the body must be a JSON object", errors=[FieldError("", "expected an object")]
        )
    return body


def etag(version: int) -> str:
    return f'"{version}"'


# The ETags we issue: a strong tag holding a version (an INTEGER column: nine digits is plenty).
_OUR_ETAG = re.compile(r'"([0-9]{1,9})"')


def if_match(request: Request) -> int:
    """The version the client read. Missing or `*`: 428, since a blind overwrite is what ETags prevent.

    If-Match compares strongly (RFC 9110, 13.1.1): a weak tag (`W/"3"`) never matches, so it is
    stale (412) like any tag we never issued, and so is a list naming more than one version.
    """
    header = request.headers.get("if-match", "").strip()
    if not header or header == "*":
        raise VersionRequired("send If-Match with the ETag from your last read of this resource")
    versions = {m.group(1) for tag in header.split(",") if (m := _OUR_ETAG.fullmatch(tag.strip()))}
    return int(versions.pop()) if len(versions) == 1 else -1


PAGE_PARAMS = frozenset({"page", "pageSize"})


def query_filters(request: Request) -> dict[str, str]:
    """Query parameters other than paging: the service decides which filters exist."""
    return {k: v for k, v in request.query_params.items() if k not in PAGE_PARAMS}


def page_request(request: Request) -> PageRequest:
    return PageRequest.from_query(request.query_params)


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return encode(content)


def ok(
    body: Any,
    *,
    status: int = 200,
    version: int | None = None,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    out = dict(headers or {})
    if version is not None:
        out["ETag"] = etag(version)
    if location is not None:
        out["Location"] = location
    return FastJSONResponse(body, status_code=status, headers=out)


def no_content() -> Response:
    return Response(status_code=204)
