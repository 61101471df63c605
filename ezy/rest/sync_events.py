from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse, wire
from ezy.rest.http import json_object, ok, tenant_of
from ezy.runs import service
from ezy.runs.contracts import SyncEventInput, SyncEventView, SyncStartedView

COMPONENTS: dict[str, type[BaseModel]] = {
    "SyncEventInput": SyncEventInput,
    "SyncEventAccepted": SyncStartedView,
    "SyncEvent": SyncEventView,
}


async def trigger(request: Request) -> Response:
    ctx, data = tenant_of(request), parse(SyncEventInput, await json_object(request))
    key = request.headers.get("idempotency-key")
    body = data.model_dump(by_alias=True, mode="json")  # what the Idempotency-Key is bound to
    answer, _ = await service.start_once(
        ctx, service.TRIGGER_SCOPE, key, body, lambda: service.trigger(ctx, data)
    )
    return ok(answer, status=202, location=f"/api/v1/sync-events/{answer['correlationId']}")


async def get_event(request: Request) -> Response:
    log = await service.get_event(tenant_of(request), request.path_params["correlation_id"])
    return ok(wire(SyncEventView.of(log)))


routes = [
    Route("/sync-events", trigger, methods=["POST"]),
    Route("/sync-events/{correlation_id}", get_event, methods=["GET"]),
]
