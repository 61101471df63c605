"""Component schemas of the OpenAPI document: the shapes of api.md, one entry per resource and input.

Configuration resources (`config_resource`) share id, version and timestamps; their inputs come in
two forms: `<X>Input` (create and PUT) and `<X>Patch` (JSON Merge Patch: every field optional).
The mapping document and connection profile kinds live in `openapi_documents.py`.
"""

from __future__ import annotations

from typing import Any

from ezy.rest.openapi_build import Schema, array_of, nullable, ref

UUID: Schema = {"type": "string", "format": "uuid"}
TIME: Schema = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 200}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}

RUN_STATUS = ["queued", "running", "succeeded", "partial", "failed", "cancelled"]
TRIGGERS = ["schedule", "api", "webhook", "replay"]
STAGES = ["extract", "normalize", "transform", "validate", "load"]
DLQ_STATUS = ["pending", "replaying", "resolved", "discarded"]
DELIVERY_STATUS = ["accepted", "processed", "duplicate", "skipped", "failed"]


def obj(properties: dict[str, Schema], *, required: list[str] | None = None, **extra: Any) -> Schema:
    """A closed object: fields not listed are `422` on input and never sent on output."""
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        out["required"] = required
    return out


def config_resource(description: str, properties: dict[str, Schema], required: list[str]) -> Schema:
    return obj(
        {
            "id": UUID,
            **properties,
            "version": {"type": "integer", "minimum": 1, "description": "The ETag's value."},
            "createdAt": TIME,
            "updatedAt": TIME,
        },
        required=["id", *required, "version", "createdAt", "updatedAt"],
        description=description,
    )


def extend(base: Schema, properties: dict[str, Schema], *, required: tuple[str, ...] = ()) -> Schema:
    """`base` with more fields (a closed object cannot be widened with `allOf`)."""
    return base | {
        "properties": base["properties"] | properties,
        "required": [*base.get("required", []), *required],
    }


def patch_of(input_schema: Schema, description: str) -> Schema:
    """The merge-patch form of an input: the same fields, none required."""
    return {k: v for k, v in input_schema.items() if k != "required"} | {"description": description}


def common() -> dict[str, Schema]:
    return {
        "Counts": obj(
            {k: {"type": "integer", "minimum": 0} for k in ("total", "success", "failed", "skipped")},
            required=["total", "success", "failed", "skipped"],
            description="`total = success + failed + skipped`, always.",
        ),
        "StageStats": obj(
            {k: {"type": "integer", "minimum": 0} for k in ("in", "out", "failed", "ms")},
            required=["in", "out", "failed", "ms"],
        ),
    }


def api_keys() -> dict[str, Schema]:
    key = obj(
        {
            "id": UUID,
            "name": NAME,
            "prefix": {"type": "string", "description": "The start of the key; the secret is never listed."},
            "createdAt": TIME,
            "expiresAt": nullable(TIME),
            "lastUsedAt": nullable(TIME),
            "revokedAt": nullable(TIME),
        },
        required=["id", "name", "prefix", "createdAt", "expiresAt", "lastUsedAt", "revokedAt"],
    )
    secret = {"type": "string", "description": "The secret, shown this once: use it as `ApiKey <key>`."}
    return {
        "ApiKey": key,
        "ApiKeyWithSecret": extend(key, {"key": secret}, required=("key",)),
        "ApiKeyInput": obj({"name": NAME, "expiresAt": TIME}, required=["name"]),
        "ApiKeyRotation": obj(
            {
                "gracePeriodSeconds": {
                    "type": "integer",
                    "minimum": 0,
                    "default": 0,
                    "description": "How long the old secret keeps working.",
                }
            }
        ),
    }


def runs() -> dict[str, Schema]:
    stages = obj({s: ref("StageStats") for s in STAGES})
    return {
        "SyncLog": obj(
            {
                "id": UUID,
                "instanceId": UUID,
                "correlationId": UUID,
                "trigger": {"type": "string", "enum": TRIGGERS},
                "status": {"type": "string", "enum": RUN_STATUS},
                "counts": ref("Counts"),
                "stages": stages,
                "startedAt": nullable(TIME),
                "finishedAt": nullable(TIME),
                "error": nullable({"type": "string"}),
            },
            required=["id", "instanceId", "correlationId", "trigger", "status", "counts", "stages"],
        ),
        "EntityError": obj(
            {
                "entityKey": nullable({"type": "string"}),
                "stage": {"type": "string", "enum": STAGES},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": ANY_OBJECT,
                "deadLetterId": nullable(UUID),
            },
            required=["entityKey", "stage", "code", "message"],
        ),
        "SyncEventInput": obj({"instanceId": UUID}, required=["instanceId"]),
        "SyncEventAccepted": obj(
            {"correlationId": UUID, "status": {"const": "queued"}}, required=["correlationId", "status"]
        ),
        "SyncEvent": obj(
            {
                "correlationId": UUID,
                "instanceId": UUID,
                "status": {"type": "string", "enum": RUN_STATUS},
                "counts": ref("Counts"),
                "syncLogId": nullable(UUID),
                "startedAt": nullable(TIME),
                "finishedAt": nullable(TIME),
            },
            required=["correlationId", "instanceId", "status", "counts"],
        ),
    }


def dead_letters() -> dict[str, Schema]:
    filter_ = obj(
        {"instanceId": UUID, "stage": {"type": "string", "enum": STAGES}, "code": {"type": "string"}}
        | {"from": TIME, "to": TIME},
        description="Every pending message that matches all the given fields.",
    )
    return {
        "DeadLetter": obj(
            {
                "id": UUID,
                "instanceId": UUID,
                "syncLogId": UUID,
                "status": {"type": "string", "enum": DLQ_STATUS},
                "stage": {"type": "string", "enum": STAGES},
                "entityKey": nullable({"type": "string"}),
                "error": {
                    "type": "object",
                    "description": "What failed: `{stage, code, message}` of the last attempt.",
                    "properties": {"stage": {"type": "string"}, "code": {"type": "string"}}
                    | {"message": {"type": "string"}},
                },
                "payload": {
                    "description": "The source record, as it entered normalize (any JSON); what a "
                    "replay runs. Null on a legacy message (stored mapped only): replay it edited."
                },
                "mappedPayload": {
                    "description": "The mapped record, for validate and load failures; null otherwise. "
                    "For display: a replay maps the source record again."
                },
                "attempts": {"type": "integer", "minimum": 1},
                "history": array_of(ANY_OBJECT, description="One entry per attempt, oldest first."),
                "resolvedBySyncLogId": nullable(UUID),
                "createdAt": TIME,
                "updatedAt": TIME,
            },
            required=["id", "instanceId", "status", "stage", "attempts", "createdAt"],
        ),
        "DeadLetterReplay": obj(
            {
                "payload": {
                    "description": "An edited source record, replayed from normalize instead of the "
                    "stored one."
                }
            }
        ),
        "DeadLetterBulk": {
            "description": "Either explicit ids or a filter.",
            "oneOf": [
                obj({"ids": array_of(UUID, minItems=1, maxItems=1000)}, required=["ids"]),
                obj({"filter": filter_}, required=["filter"]),
            ],
        },
        "ReplayAccepted": obj({"correlationId": UUID}, required=["correlationId"]),
        "BulkAccepted": obj({"count": {"type": "integer", "minimum": 0}}, required=["count"]),
    }


def webhooks() -> dict[str, Schema]:
    fields: dict[str, Schema] = {
        "instanceId": UUID,
        "provider": {"type": "string", "enum": ["shopify", "generic"]},
        "topics": array_of({"type": "string"}, description="Shopify topics routed to the instance."),
        "enabled": {"type": "boolean", "default": True},
    }
    secret = {
        "type": "string",
        "writeOnly": True,
        "description": "Shopify: the app's client secret. Generic: `whsec_` + base64; generated when absent.",
    }
    url = {"type": "string", "description": "Where the provider sends deliveries: `/api/v1/webhooks/{id}`."}
    endpoint_input = obj({**fields, "secret": secret}, required=["instanceId", "provider"])
    endpoint = config_resource(
        "Receives deliveries for an instance.", {**fields, "url": url}, ["instanceId", "provider", "url"]
    )
    return {
        "WebhookEndpoint": endpoint,
        "WebhookEndpointWithSecret": extend(
            endpoint, {"secret": {"type": "string", "description": "Generated or given; shown this once."}}
        ),
        "WebhookEndpointInput": endpoint_input,
        "WebhookEndpointPatch": patch_of(endpoint_input, "JSON Merge Patch of a webhook endpoint."),
        "WebhookDelivery": obj(
            {
                "id": UUID,
                "receivedAt": TIME,
                "topic": nullable({"type": "string"}),
                "externalId": nullable({"type": "string"}),
                "status": {"type": "string", "enum": DELIVERY_STATUS},
                "syncLogId": nullable(UUID),
                "processedAt": nullable(TIME),
                "error": nullable({"type": "string"}),
                "resolvedBySyncLogId": nullable(UUID),
            },
            required=["id", "receivedAt", "status"],
        ),
        "WebhookAccepted": obj({"messageId": UUID}, required=["messageId"]),
    }


def all_schemas() -> dict[str, Schema]:
    out: dict[str, Schema] = {}
    for part in (common, api_keys, runs, dead_letters, webhooks):
        out.update(part())
    return out
