from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse, wire
from ezy.mappings import service
from ezy.mappings.contracts import (
    MappingConfigurationFilter,
    MappingConfigurationInput,
    MappingConfigurationPatch,
    MappingConfigurationView,
    PreviewInput,
    PreviewResult,
    UnsavedPreviewInput,
)
from ezy.rest.crud import TypedResource, typed_routes
from ezy.rest.http import json_object, ok, tenant_of

resource = TypedResource(
    "/mapping-configurations",
    "MappingConfiguration",
    MappingConfigurationView,
    MappingConfigurationInput,
    MappingConfigurationPatch,
    MappingConfigurationFilter,
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
)
# `MappingDocument` and its parts stay in openapi_documents: the document's JSON Schema file declares them.
COMPONENTS: dict[str, type[BaseModel]] = {
    **resource.components(),
    "PreviewInput": PreviewInput,
    "UnsavedPreviewInput": UnsavedPreviewInput,
    "PreviewResult": PreviewResult,
}


async def preview_saved(request: Request) -> Response:
    data = parse(PreviewInput, await json_object(request))
    return ok(wire(await service.preview_saved(tenant_of(request), request.path_params["id"], data)))


async def preview_unsaved(request: Request) -> Response:
    data = parse(UnsavedPreviewInput, await json_object(request))
    return ok(wire(await service.preview_unsaved(tenant_of(request), data)))


routes = [
    # Before the CRUD routes, so `preview` is never read as an id.
    Route("/mapping-configurations/preview", preview_unsaved, methods=["POST"]),
    Route("/mapping-configurations/{id}/preview", preview_saved, methods=["POST"]),
    *typed_routes(resource),
]
