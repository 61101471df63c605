from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse, wire
from ezy.rest.http import json_object, no_content, ok, page_request, tenant_of
from ezy.tenants import keys
from ezy.tenants.contracts import ApiKeyInput, ApiKeyRotation, ApiKeyView, ApiKeyWithSecret

COMPONENTS: dict[str, type[BaseModel]] = {
    "ApiKey": ApiKeyView,
    "ApiKeyWithSecret": ApiKeyWithSecret,
    "ApiKeyInput": ApiKeyInput,
    "ApiKeyRotation": ApiKeyRotation,
}


async def list_keys(request: Request) -> Response:
    page = await keys.list_keys(tenant_of(request), page_request(request))
    return ok(page.as_dict(lambda key: wire(keys.view(key))))


async def create_key(request: Request) -> Response:
    data = parse(ApiKeyInput, await json_object(request))
    issued = await keys.create_key(tenant_of(request), data)
    return ok(wire(keys.issued_view(issued)), status=201, location=f"/api/v1/api-keys/{issued.key.id}")


async def get_key(request: Request) -> Response:
    key = await keys.get_key(tenant_of(request), request.path_params["id"])
    return ok(wire(keys.view(key)))


async def revoke_key(request: Request) -> Response:
    await keys.revoke_key(tenant_of(request), request.path_params["id"])
    return no_content()


async def rotate_key(request: Request) -> Response:
    rotation = parse(ApiKeyRotation, await json_object(request, allow_empty=True))
    issued = await keys.rotate_key(tenant_of(request), request.path_params["id"], rotation)
    return ok(wire(keys.issued_view(issued)))


routes = [
    Route("/api-keys", list_keys, methods=["GET"]),
    Route("/api-keys", create_key, methods=["POST"]),
    Route("/api-keys/{id}", get_key, methods=["GET"]),
    Route("/api-keys/{id}", revoke_key, methods=["DELETE"]),
    Route("/api-keys/{id}/rotate", rotate_key, methods=["POST"]),
]
