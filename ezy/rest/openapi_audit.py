"""The audit log's operation in the OpenAPI document (its shapes come from `ezy.audit.contracts`)."""

from __future__ import annotations

from ezy.rest.openapi_build import Api, Op, query, reply
from ezy.rest.openapi_paths import PAGE, V1, only
from ezy.rest.openapi_schemas import TIME, UUID


def audit_log(api: Api) -> None:
    filters = [
        only("action", {"type": "string"}),
        only("resourceType", {"type": "string"}),
        only("resourceId", UUID),
        query("from", TIME, "Only entries at or after this time."),
        query("to", TIME, "Only entries before this time."),
    ]
    page = {"200": reply("A page, newest first.", api.paged("AuditEntry"))}
    api.add(
        "Audit log",
        Op(
            "GET",
            f"{V1}/audit-log",
            "listAuditLog",
            "List configuration, key and DLQ actions",
            page,
            params=PAGE + filters,
            description="Every change to configuration resources and API keys, every DLQ replay and "
            "discard and every triggered run, with who did it. Unknown filters are `400`.",
        ),
    )
