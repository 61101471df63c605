"""The OpenAPI 3.1 document of the REST API at /openapi.json, and the /docs explorer over it.

Layout: `openapi_build` (the vocabulary: Op, Api, replies, problems), `openapi_schemas` and
`openapi_documents` (components), `openapi_paths` and `openapi_runs` (the operations, by route group),
`docs` (Swagger UI). The document follows api.md, the wire contract, and is built once per process.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ezy.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ezy.rest import (
    api_keys,
    audit_log,
    connection_profiles,
    dlq,
    docs,
    instances,
    mapping_configurations,
    openapi_audit,
    openapi_paths,
    openapi_runs,
    schedules,
    sync_events,
    sync_logs,
    webhook_endpoints,
)
from ezy.rest.openapi_build import Api, Schema, header, problem_responses, problem_schemas
from ezy.rest.openapi_documents import connection_schemas, mapping_schemas
from ezy.rest.openapi_models import model_components

GROUPS = (
    openapi_paths.api_keys,
    openapi_paths.connection_profiles,
    openapi_paths.mapping_configurations,
    openapi_paths.instances,
    openapi_paths.schedules,
    openapi_runs.sync_logs,
    openapi_runs.dead_letters,
    openapi_paths.webhook_endpoints,
    openapi_runs.webhook_receiver,
    openapi_runs.sync_events,
    openapi_audit.audit_log,
    openapi_runs.operations,
)
# The REST modules whose components come from their contracts.
MODELLED = (
    connection_profiles.COMPONENTS,
    mapping_configurations.COMPONENTS,
    instances.COMPONENTS,
    schedules.COMPONENTS,
    sync_logs.COMPONENTS,
    sync_events.COMPONENTS,
    dlq.COMPONENTS,
    webhook_endpoints.COMPONENTS,
    api_keys.COMPONENTS,
    audit_log.COMPONENTS,
)

DESCRIPTION = """\
Multi-tenant integration platform: connection profiles, JSON mappings, instances, runs, sync logs and a
dead letter queue. Every route under `/api/v1` needs `Authorization: ApiKey <key>` (except the webhook
receiver); a key sees its own tenant only, and another tenant's resource is `404`.

Errors are RFC 9457 `application/problem+json`, with `errors[{pointer, message}]` pointing into the
request body on `422`. Configuration resources carry a strong `ETag`: send it back in `If-Match` to
`PUT`, `PATCH` (JSON Merge Patch), `DELETE`, activate or deactivate. Lists are paged
(`page`, `pageSize` 1..200, default 50) and newest first.
"""


def _parameters() -> dict[str, Schema]:
    page_size = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}
    return {
        "Page": {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
            "description": "1-based; a page past the end has no items and the true total.",
        },
        "PageSize": {"name": "pageSize", "in": "query", "schema": page_size},
        "IfMatch": header(
            "If-Match",
            'The ETag of your last read (`"<version>"`). Missing or `*`: 428; stale: 412.',
            required=True,
        ),
        "IdempotencyKey": header(
            "Idempotency-Key",
            "The same key within 24 h returns the first response and starts nothing new.",
            schema={"type": "string", "minLength": 1, "maxLength": 255},
        ),
    }


def _headers() -> dict[str, Schema]:
    def one(description: str, schema: Schema | None = None) -> Schema:
        return {"description": description, "schema": schema or {"type": "string"}}

    return {
        "ETag": one('Strong ETag of the resource version: `"<version>"`.'),
        "Location": one("Absolute path of the new resource, `/api/v1/...`."),
        "WWW-Authenticate": one("`ApiKey`."),
        "Retry-After": one("Seconds to wait.", {"type": "integer", "minimum": 0}),
    }


@functools.cache
def _document() -> Schema:
    api = Api()
    for group in GROUPS:
        group(api)
    schemas = (
        problem_schemas()
        | mapping_schemas()
        | connection_schemas()
        | model_components(MODELLED)
        | api.schemas
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "EZY Integrations", "version": "1", "description": DESCRIPTION},
        "security": [{"ApiKey": []}],
        "tags": [{"name": op_tag} for op_tag in _tags(api)],
        "paths": api.paths,
        "components": {
            "securitySchemes": {
                "ApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Authorization: ApiKey <key>`: type `ApiKey ` before the key.",
                }
            },
            "schemas": dict(sorted(schemas.items())),
            "parameters": _parameters(),
            "headers": _headers(),
            "responses": problem_responses(),
        },
    }


def _tags(api: Api) -> list[str]:
    """Tags in the order their first operation was added: api.md's order."""
    seen: dict[str, None] = {}
    for item in api.paths.values():
        for operation in item.values():
            seen.update(dict.fromkeys(operation["tags"]))
    return list(seen)


def build_document() -> dict[str, Any]:
    """A copy of the document, for callers that want to look inside it (tests, tools)."""
    return copy.deepcopy(_document())


@functools.cache
def _document_bytes() -> bytes:
    return json.dumps(_document(), separators=(",", ":")).encode()


async def openapi_json(request: Request) -> Response:
    return Response(_document_bytes(), media_type="application/json")


routes: list[BaseRoute] = [Route("/openapi.json", openapi_json, methods=["GET"]), *docs.routes]
