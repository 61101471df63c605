"""The audit log as clients read it (REST, GraphQL and OpenAPI derive from these)."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field

from ezy.audit.models import AuditActorType
from ezy.contract import Filter, JSONObject, Timestamp, View


class AuditActor(View):
    """Who acted; `apiKeyId` and `prefix` are set for an API key only."""

    type: AuditActorType
    api_key_id: UUID | None
    prefix: str | None = Field(description="The key's public prefix (`ezy_...`).")


class AuditEntryView(View):
    """One configuration, key or DLQ action (REST's GET /audit-log items)."""

    id: UUID
    at: Timestamp
    actor: AuditActor
    action: str = Field(description="`<resourceType>.<verb>`, e.g. `apiKey.rotate`.")
    resource_type: str = Field(description="e.g. `connectionProfile`, `deadLetter`.")
    resource_id: str | None = Field(description="null for bulk DLQ actions.")
    details: JSONObject = Field(
        description="Names, versions, changed field names, counts; never a secret or payload."
    )


class AuditFilter(Filter):
    LOOKUPS: ClassVar[dict[str, str]] = {"from_": "created_at__gte", "to": "created_at__lt"}

    action: str | None = None
    resource_type: str | None = None
    resource_id: UUID | None = None
    from_: Timestamp | None = Field(default=None, alias="from", description="At or after.")
    to: Timestamp | None = Field(default=None, description="Before.")

    def where(self) -> dict[str, Any]:
        where = super().where()
        if "resource_id" in where:
            where["resource_id"] = str(where["resource_id"])  # stored as text: ids of any kind
        return where
