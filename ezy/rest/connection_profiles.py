from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.connections import service
from ezy.rest.crud import Resource, crud_routes
from ezy.rest.http import json_object, ok, tenant_of
from ezy.validation import check_fields

resource = Resource(
    "/connection-profiles",
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    service.view,
)


async def test_connection(request: Request) -> Response:
    check_fields(await json_object(request, allow_empty=True), ())
    return ok(await service.test(tenant_of(request), request.path_params["id"]))


routes = [
    *crud_routes(resource),
    Route("/connection-profiles/{id}/test", test_connection, methods=["POST"]),
]
