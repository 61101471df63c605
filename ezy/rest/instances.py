from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.instances import service
from ezy.instances.contracts import InstanceFilter, InstanceInput, InstancePatch, InstanceView
from ezy.rest.crud import TypedResource, typed_routes
from ezy.rest.http import if_match, json_object, tenant_of
from ezy.validation import check_fields

resource = TypedResource(
    "/instances",
    "Instance",
    InstanceView,
    InstanceInput,
    InstancePatch,
    InstanceFilter,
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
)
# `options` is described inline (InstanceOptions' schema) in Instance, InstanceInput and InstancePatch.
COMPONENTS: dict[str, type[BaseModel]] = resource.components()
_shell = resource.as_resource()


async def activate(request: Request) -> Response:
    version = if_match(request)
    check_fields(await json_object(request, allow_empty=True), ())
    row = await service.activate(tenant_of(request), request.path_params["id"], version)
    return _shell.one(row)


async def deactivate(request: Request) -> Response:
    version = if_match(request)
    check_fields(await json_object(request, allow_empty=True), ())
    row = await service.deactivate(tenant_of(request), request.path_params["id"], version)
    return _shell.one(row)


routes = [
    *typed_routes(resource),
    Route("/instances/{id}/activate", activate, methods=["POST"]),
    Route("/instances/{id}/deactivate", deactivate, methods=["POST"]),
]
