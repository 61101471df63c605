from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse_query, row_answers
from ezy.rest.http import ok, page_request, query_filters, tenant_of
from ezy.runs import service
from ezy.runs.contracts import EntityErrorView, SyncLogFilter, SyncLogView

COMPONENTS: dict[str, type[BaseModel]] = {"SyncLog": SyncLogView, "EntityError": EntityErrorView}


# Pages of logs are the hot read: answered from the rows by the views' compiled plans.
_log = row_answers(SyncLogView)
_error = row_answers(EntityErrorView)


async def list_logs(request: Request) -> Response:
    where = parse_query(SyncLogFilter, query_filters(request))
    page = await service.list_logs(tenant_of(request), page_request(request), where)
    return ok(page.as_dict(_log))


async def get_log(request: Request) -> Response:
    return ok(_log(await service.get_log(tenant_of(request), request.path_params["id"])))


async def list_errors(request: Request) -> Response:
    page = await service.list_errors(tenant_of(request), request.path_params["id"], page_request(request))
    return ok(page.as_dict(_error))


routes = [
    Route("/sync-logs", list_logs, methods=["GET"]),
    Route("/sync-logs/{id}", get_log, methods=["GET"]),
    Route("/sync-logs/{id}/errors", list_errors, methods=["GET"]),
]
