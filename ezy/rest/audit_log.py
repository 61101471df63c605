"""`GET /api/v1/audit-log`: the tenant's configuration, key and DLQ actions, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.audit import service
from ezy.rest.http import ok, page_request, query_filters, tenant_of


async def list_entries(request: Request) -> Response:
    page = await service.list_entries(tenant_of(request), query_filters(request), page_request(request))
    return ok(page.as_dict(service.view))


routes = [Route("/audit-log", list_entries, methods=["GET"])]
