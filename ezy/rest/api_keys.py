from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.errors import invalid
from ezy.rest.http import json_object, no_content, ok, page_request, tenant_of
from ezy.tenants import keys
from ezy.timefmt import parse_rfc3339
from ezy.validation import check_fields, optional_int, optional_str, required_str


async def list_keys(request: Request) -> Response:
    page = await keys.list_keys(tenant_of(request), page_request(request))
    return ok(page.as_dict(keys.key_view))


async def create_key(request: Request) -> Response:
    body = await json_object(request)
    check_fields(body, {"name", "expiresAt"})
    name = required_str(body, "name", max_length=200)
    expires_raw = optional_str(body, "expiresAt", max_length=64)
    try:
        expires_at = parse_rfc3339(expires_raw) if expires_raw else None
    except ValueError:
        raise invalid("/expiresAt", "expiresAt must be an RFC 3339 timestamp") from None
    issued = await keys.create_key(tenant_of(request), name, expires_at)
    body = {**keys.key_view(issued.key), "key": issued.secret}
    return ok(body, status=201, location=f"/api/v1/api-keys/{issued.key.id}")


async def get_key(request: Request) -> Response:
    key = await keys.get_key(tenant_of(request), request.path_params["id"])
    return ok(keys.key_view(key))


async def revoke_key(request: Request) -> Response:
    await keys.revoke_key(tenant_of(request), request.path_params["id"])
    return no_content()


async def rotate_key(request: Request) -> Response:
    body = await json_object(request, allow_empty=True)
    check_fields(body, {"gracePeriodSeconds"})
    grace = optional_int(body, "gracePeriodSeconds") or 0
    issued = await keys.rotate_key(tenant_of(request), request.path_params["id"], grace)
    return ok({**keys.key_view(issued.key), "key": issued.secret})


routes = [
    Route("/api-keys", list_keys, methods=["GET"]),
    Route("/api-keys", create_key, methods=["POST"]),
    Route("/api-keys/{id}", get_key, methods=["GET"]),
    Route("/api-keys/{id}", revoke_key, methods=["DELETE"]),
    Route("/api-keys/{id}/rotate", rotate_key, methods=["POST"]),
]
