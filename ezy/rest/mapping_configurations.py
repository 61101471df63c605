from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.mappings import service
from ezy.rest.crud import Resource, crud_routes
from ezy.rest.http import json_object, ok, tenant_of
from ezy.validation import check_fields

resource = Resource(
    "/mapping-configurations",
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    service.view,
)


async def preview_saved(request: Request) -> Response:
    body = await json_object(request)
    check_fields(body, {"records"})
    mapping_id = request.path_params["id"]
    return ok(await service.preview(tenant_of(request), body.get("records"), mapping_id=mapping_id))


async def preview_unsaved(request: Request) -> Response:
    body = await json_object(request)
    check_fields(body, {"document", "records"})
    return ok(await service.preview(tenant_of(request), body.get("records"), document=body.get("document")))


routes = [
    # Before the CRUD routes, so `preview` is never read as an id.
    Route("/mapping-configurations/preview", preview_unsaved, methods=["POST"]),
    Route("/mapping-configurations/{id}/preview", preview_saved, methods=["POST"]),
    *crud_routes(resource),
]
