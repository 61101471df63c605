from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.instances import service
from ezy.rest.crud import Resource, crud_routes
from ezy.rest.http import if_match, json_object, tenant_of
from ezy.validation import check_fields

resource = Resource(
    "/instances",
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    service.view,
)


async def activate(request: Request) -> Response:
    version = if_match(request)
    check_fields(await json_object(request, allow_empty=True), ())
    return resource.one(await service.activate(tenant_of(request), request.path_params["id"], version))


async def deactivate(request: Request) -> Response:
    version = if_match(request)
    check_fields(await json_object(request, allow_empty=True), ())
    return resource.one(await service.deactivate(tenant_of(request), request.path_params["id"], version))


routes = [
    *crud_routes(resource),
    Route("/instances/{id}/activate", activate, methods=["POST"]),
    Route("/instances/{id}/deactivate", deactivate, methods=["POST"]),
]
