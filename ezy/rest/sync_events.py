from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.rest.http import json_object, ok, tenant_of
from ezy.runs import service
from ezy.runs.views import sync_event_view


async def trigger(request: Request) -> Response:
    ctx, body = tenant_of(request), await json_object(request)
    key = request.headers.get("idempotency-key")
    answer, _ = await service.start_once(
        ctx, service.TRIGGER_SCOPE, key, body, lambda: service.trigger(ctx, body)
    )
    return ok(answer, status=202, location=f"/api/v1/sync-events/{answer['correlationId']}")


async def get_event(request: Request) -> Response:
    log = await service.get_event(tenant_of(request), request.path_params["correlation_id"])
    return ok(sync_event_view(log))


routes = [
    Route("/sync-events", trigger, methods=["POST"]),
    Route("/sync-events/{correlation_id}", get_event, methods=["GET"]),
]
