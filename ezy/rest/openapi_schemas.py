"""Component schemas of the OpenAPI document: the shapes of api.md, one entry per resource and input.

Configuration resources (`config_resource`) share id, version and timestamps; their inputs come in
two forms: `<X>Input` (create and PUT) and `<X>Patch` (JSON Merge Patch: every field optional).
The mapping document and connection profile kinds live in `openapi_documents.py`.
"""

from __future__ import annotations

from typing import Any

from ezy.rest.openapi_build import Schema, nullable
from ezy.runs.models import PipelineStage

UUID: Schema = {"type": "string", "format": "uuid"}
TIME: Schema = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 200}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}

# Runs' own components (SyncLog, SyncEvent, ...) are generated from `ezy/runs/contracts.py`.
STAGES = [str(stage) for stage in PipelineStage]
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


def instances() -> dict[str, Schema]:
    fields: dict[str, Schema] = {
        "name": NAME,
        "sourceProfileId": UUID,
        "targetProfileId": UUID,
        "mappingId": UUID,
        "options": ANY_OBJECT,
    }
    status = {
        "type": "string",
        "enum": ["active", "inactive"],
        "description": "`inactive` after create; changed only by activate/deactivate.",
    }
    refs = ["name", "sourceProfileId", "targetProfileId", "mappingId"]
    instance_input = obj(fields, required=refs)
    return {
        "Instance": config_resource(
            "Source profile -> mapping -> target profile.", {**fields, "status": status}, [*refs, "status"]
        ),
        "InstanceInput": instance_input,
        "InstancePatch": patch_of(instance_input, "JSON Merge Patch of an instance."),
    }


def schedules() -> dict[str, Schema]:
    fields: dict[str, Schema] = {
        "instanceId": UUID,
        "cron": {
            "type": "string",
            "description": "5-field cron or an alias (`@hourly`, `@daily`, ...).",
            "examples": ["*/15 * * * *", "@hourly"],
        },
        "timezone": {
            "type": "string",
            "default": "UTC",
            "description": "IANA timezone, e.g. `Europe/Paris`.",
        },
        "enabled": {"type": "boolean", "default": True},
        "overlapPolicy": {"type": "string", "enum": ["skip", "queue"], "default": "skip"},
    }
    schedule_input = obj(fields, required=["instanceId", "cron"])
    return {
        "Schedule": config_resource(
            "Runs an instance on a cron.",
            {**fields, "nextRunAt": nullable(TIME), "lastRunAt": nullable(TIME)},
            ["instanceId", "cron", "timezone", "enabled", "overlapPolicy", "nextRunAt"],
        ),
        "ScheduleInput": schedule_input,
        "SchedulePatch": patch_of(schedule_input, "JSON Merge Patch of a schedule."),
    }


def all_schemas() -> dict[str, Schema]:
    out: dict[str, Schema] = {}
    for part in (instances, schedules):
        out.update(part())
    return out
