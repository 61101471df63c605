"""The audit log: configuration, key and DLQ actions of your tenant, with who did them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from ezy.audit import service
from ezy.audit.contracts import AuditActor, AuditEntryView, AuditFilter
from ezy.audit.models import AuditActorType
from ezy.contract import parse_query
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import Page, PageArg, PageSizeArg, contract_type, page_request
from schema.context import Info

FromArg = Annotated[datetime | None, strawberry.argument(name="from", description="At or after.")]
ToArg = Annotated[datetime | None, strawberry.argument(description="Before.")]

# GraphQL names the members in capitals (API_KEY); REST answers their values (`apiKey`).
strawberry.enum(
    AuditActorType,
    description="`API_KEY`: a request with a key; `CLI`: an `ezy` command; `SYSTEM`: the app.",
)
contract_type(AuditActor, "AuditActor")
contract_type(AuditEntryView, "AuditEntry")


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Your audit log, newest first; every argument after `pageSize` filters.")
    async def audit_log(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        action: str | None = None,
        resource_type: str | None = None,
        resource_id: strawberry.ID | None = None,
        from_: FromArg = None,
        to: ToArg = None,
    ) -> Page[AuditEntryView]:
        given: dict[str, Any] = {"action": action, "resourceType": resource_type, "resourceId": resource_id}
        given |= {"from": from_, "to": to}
        where = parse_query(AuditFilter, {k: v for k, v in given.items() if v is not None})
        rows = await service.list_entries(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, service.view)
