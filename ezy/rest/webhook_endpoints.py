from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.rest.crud import Resource, crud_routes
from ezy.rest.http import ok, page_request, tenant_of
from ezy.webhooks import service


def _created(new: service.NewEndpoint) -> tuple[Any, dict[str, Any]]:
    # The create answer is the only one that ever carries the secret.
    return new.endpoint, {"secret": new.secret}


resource = Resource(
    "/webhook-endpoints",
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    service.view,
    created=_created,
)


async def list_deliveries(request: Request) -> Response:
    ctx, endpoint_id = tenant_of(request), request.path_params["id"]
    page = await service.list_deliveries(ctx, endpoint_id, page_request(request))
    return ok(page.as_dict(service.delivery_view))


routes = [
    *crud_routes(resource),
    Route("/webhook-endpoints/{id}/deliveries", list_deliveries, methods=["GET"]),
]
