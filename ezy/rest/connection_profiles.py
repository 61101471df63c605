from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.connections import service
from ezy.connections.contracts import (
    ConnectionProfileFilter,
    ConnectionProfileInput,
    ConnectionProfilePatch,
    ConnectionProfileView,
    ConnectionTestView,
    SampleRequest,
    SampleView,
)
from ezy.contract import parse, wire
from ezy.rest.crud import TypedResource, typed_routes
from ezy.rest.http import json_object, ok, tenant_of
from ezy.validation import check_fields

resource = TypedResource(
    "/connection-profiles",
    "ConnectionProfile",
    ConnectionProfileView,
    ConnectionProfileInput,
    ConnectionProfilePatch,
    ConnectionProfileFilter,
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
)
# ConnectionProfileInput is the `oneOf` by kind in openapi_documents, from each kind's declaration.
COMPONENTS: dict[str, type[BaseModel]] = {
    "ConnectionProfile": ConnectionProfileView,
    "ConnectionProfilePatch": ConnectionProfilePatch,
    "ConnectionTestResult": ConnectionTestView,
    "SampleRequest": SampleRequest,
    "RecordSample": SampleView,
}


async def test_connection(request: Request) -> Response:
    check_fields(await json_object(request, allow_empty=True), ())
    return ok(wire(await service.test(tenant_of(request), request.path_params["id"])))


async def sample_records(request: Request) -> Response:
    body = parse(SampleRequest, await json_object(request))
    return ok(wire(await service.sample(tenant_of(request), request.path_params["id"], body)))


routes = [
    *typed_routes(resource),
    Route("/connection-profiles/{id}/test", test_connection, methods=["POST"]),
    Route("/connection-profiles/{id}/sample", sample_records, methods=["POST"]),
]
