from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.rest.http import ok, page_request, query_filters, tenant_of
from ezy.runs import service
from ezy.runs.views import entity_error_view, sync_log_view


async def list_logs(request: Request) -> Response:
    page = await service.list_logs(tenant_of(request), page_request(request), query_filters(request))
    return ok(page.as_dict(sync_log_view))


async def get_log(request: Request) -> Response:
    return ok(sync_log_view(await service.get_log(tenant_of(request), request.path_params["id"])))


async def list_errors(request: Request) -> Response:
    page = await service.list_errors(tenant_of(request), request.path_params["id"], page_request(request))
    return ok(page.as_dict(entity_error_view))


routes = [
    Route("/sync-logs", list_logs, methods=["GET"]),
    Route("/sync-logs/{id}", get_log, methods=["GET"]),
    Route("/sync-logs/{id}/errors", list_errors, methods=["GET"]),
]
