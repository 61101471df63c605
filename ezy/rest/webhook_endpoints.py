from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse_query, wire_row
from ezy.rest.crud import TypedResource, typed_routes
from ezy.rest.http import ok, page_request, query_filters, tenant_of
from ezy.webhooks import service
from ezy.webhooks.contracts import (
    WebhookAccepted,
    WebhookDeliveryFilter,
    WebhookDeliveryView,
    WebhookEndpointFilter,
    WebhookEndpointInput,
    WebhookEndpointPatch,
    WebhookEndpointView,
    WebhookEndpointWithSecret,
)


def _created(new: service.NewEndpoint) -> tuple[Any, dict[str, Any]]:
    # The create answer is the only one that ever carries the secret.
    return new.endpoint, {"secret": new.secret}


resource = TypedResource(
    "/webhook-endpoints",
    "WebhookEndpoint",
    WebhookEndpointView,
    WebhookEndpointInput,
    WebhookEndpointPatch,
    WebhookEndpointFilter,
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    created=_created,
)
COMPONENTS: dict[str, type[BaseModel]] = {
    **resource.components(),
    "WebhookEndpointWithSecret": WebhookEndpointWithSecret,
    "WebhookDelivery": WebhookDeliveryView,
    "WebhookAccepted": WebhookAccepted,
}


async def list_deliveries(request: Request) -> Response:
    ctx, endpoint_id = tenant_of(request), request.path_params["id"]
    where = parse_query(WebhookDeliveryFilter, query_filters(request))
    page = await service.list_deliveries(ctx, endpoint_id, page_request(request), where)
    return ok(page.as_dict(lambda row: wire_row(WebhookDeliveryView, row)))


routes = [
    *typed_routes(resource),
    Route("/webhook-endpoints/{id}/deliveries", list_deliveries, methods=["GET"]),
]
