"""The audit log: configuration, key and DLQ actions of your tenant, with who did them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from ezy.audit import service
from ezy.audit.models import AuditEntry as AuditEntryRow
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import Page, PageArg, PageSizeArg, filters, page_request
from schema.context import Info
from schema.runs import time_filters

FromArg = Annotated[datetime | None, strawberry.argument(name="from", description="At or after.")]
ToArg = Annotated[datetime | None, strawberry.argument(description="Before.")]


@strawberry.enum(description="`API_KEY`: a request with a key; `CLI`: an `ezy` command; `SYSTEM`: the app.")
class AuditActorType(enum.Enum):
    API_KEY = "apiKey"
    CLI = "cli"
    SYSTEM = "system"


@strawberry.type(description="Who acted; `apiKeyId` and `prefix` are set for an API key only.")
class AuditActor:
    type: AuditActorType
    api_key_id: strawberry.ID | None
    prefix: str | None


@strawberry.type(description="One configuration, key or DLQ action (REST's GET /audit-log items).")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor: AuditActor
    action: str = strawberry.field(description="`<resourceType>.<verb>`, e.g. `apiKey.rotate`.")
    resource_type: str
    resource_id: str | None = strawberry.field(description="null for bulk DLQ actions.")
    details: JSON = strawberry.field(description="Names, versions, changed field names, counts; no secrets.")

    @classmethod
    def from_row(cls, row: AuditEntryRow) -> AuditEntry:
        actor = service.actor_view(row)
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.created_at,
            actor=AuditActor(
                type=AuditActorType(actor["type"]),
                api_key_id=strawberry.ID(actor["apiKeyId"]) if actor["apiKeyId"] else None,
                prefix=actor["prefix"],
            ),
            action=row.action,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            details=JSON(row.details),
        )


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
    ) -> Page[AuditEntry]:
        where = {
            **filters(action=action, resource_type=resource_type, resource_id=resource_id),
            **time_filters(from_, to),
        }
        rows = await service.list_entries(info.context.ctx, where, page_request(page, page_size))
        return Page.of(rows, AuditEntry.from_row)
