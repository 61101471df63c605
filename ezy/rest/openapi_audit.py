"""The audit log's operation and shapes in the OpenAPI document."""

from __future__ import annotations

from ezy.rest.openapi_build import Api, Op, Schema, nullable, query, reply
from ezy.rest.openapi_paths import PAGE, V1, only
from ezy.rest.openapi_schemas import ANY_OBJECT, TIME, UUID, obj

ACTOR: Schema = obj(
    {
        "type": {"type": "string", "enum": ["apiKey", "cli", "system"]},
        "apiKeyId": nullable(UUID),
        "prefix": nullable({"type": "string", "description": "The key's public prefix (`ezy_...`)."}),
    },
    required=["type", "apiKeyId", "prefix"],
    description="Who acted: an API key (id and prefix), an operator's `ezy` command, or the system.",
)
ENTRY: Schema = obj(
    {
        "id": UUID,
        "at": TIME,
        "actor": {"$ref": "#/components/schemas/AuditActor"},
        "action": {"type": "string", "description": "`<resourceType>.<verb>`, e.g. `apiKey.rotate`."},
        "resourceType": {"type": "string", "description": "e.g. `connectionProfile`, `deadLetter`."},
        "resourceId": nullable({"type": "string", "description": "null for bulk DLQ actions."}),
        "details": ANY_OBJECT
        | {"description": "Names, versions, changed field names, counts; never a secret or payload."},
    },
    required=["id", "at", "actor", "action", "resourceType", "resourceId", "details"],
    description="One configuration, key or DLQ action.",
)


def audit_log(api: Api) -> None:
    api.schemas.update({"AuditActor": ACTOR, "AuditEntry": ENTRY})
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
