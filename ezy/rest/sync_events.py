from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.idempotency.service import once
from ezy.rest.http import json_object, ok, tenant_of
from ezy.runs import service
from ezy.runs.views import sync_event_view


def _accepted(body: dict[str, Any]) -> Response:
    return ok(body, status=202, location=f"/api/v1/sync-events/{body['correlationId']}")


async def trigger(request: Request) -> Response:
    ctx, body = tenant_of(request), await json_object(request)

    async def produce() -> tuple[int, Any]:
        log = await service.trigger(ctx, body)
        return 202, {"correlationId": str(log.correlation_id), "status": log.status, "syncLogId": str(log.id)}

    status, answer = await once(
        ctx, "POST /sync-events", request.headers.get("idempotency-key"), body, produce
    )
    return _accepted(answer) if status == 202 else ok(answer, status=status)


async def get_event(request: Request) -> Response:
    log = await service.get_event(tenant_of(request), request.path_params["correlation_id"])
    return ok(sync_event_view(log))


routes = [
    Route("/sync-events", trigger, methods=["POST"]),
    Route("/sync-events/{correlation_id}", get_event, methods=["GET"]),
]
