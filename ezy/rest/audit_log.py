"""`GET /api/v1/audit-log`: the tenant's configuration, key and DLQ actions, newest first."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.audit import service
from ezy.audit.contracts import AuditEntryView, AuditFilter
from ezy.contract import parse_query, wire
from ezy.rest.http import ok, page_request, query_filters, tenant_of

COMPONENTS: dict[str, type[BaseModel]] = {"AuditEntry": AuditEntryView}


async def list_entries(request: Request) -> Response:
    where = parse_query(AuditFilter, query_filters(request))
    page = await service.list_entries(tenant_of(request), page_request(request), where)
    return ok(page.as_dict(lambda entry: wire(service.view(entry))))


routes = [Route("/audit-log", list_entries, methods=["GET"])]
