"""The vocabulary the OpenAPI document is written in: operations, bodies, replies and problems.

An operation says what is particular to it (its 2xx replies, body, filters, the problems only it can
answer); `Api.add` derives what every route of its shape shares, from the conventions of api.md:

  authenticated            -> 401 (+ WWW-Authenticate), 429 (+ Retry-After), the ApiKey scheme
  a path parameter         -> 404 (another tenant's resource included), the parameter itself
  a request body           -> 400 malformed JSON, 413 too large, 415 media type, 422 validation
  query parameters         -> 400 bad query parameter
  If-Match                 -> 412 stale (+ the current ETag), 428 missing
  every operation          -> 503 (+ Retry-After) while the database or Redis cannot be reached
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
PROBLEM_JSON = "application/problem+json"

# status -> (component name, description, headers it carries)
PROBLEMS: dict[int, tuple[str, str, tuple[str, ...]]] = {
    400: ("BadRequest", "Malformed JSON or a bad query parameter.", ()),
    401: (
        "Unauthorized",
        "Missing, malformed, unknown, expired or revoked API key.",
        ("WWW-Authenticate",),
    ),
    404: ("NotFound", "No such resource for this tenant (another tenant's is reported the same way).", ()),
    409: ("Conflict", "The resource is referenced by others, or is in the wrong state for this.", ()),
    412: ("PreconditionFailed", "`If-Match` is stale; the response carries the current `ETag`.", ("ETag",)),
    413: ("ContentTooLarge", "The request body is over the size limit.", ()),
    415: ("UnsupportedMediaType", "The body is not JSON (`application/json` or `+json`).", ()),
    422: ("ValidationFailed", "The body is well-formed but invalid; `errors` point into it.", ()),
    428: ("PreconditionRequired", "`If-Match` is missing or `*`; send the ETag of your last read.", ()),
    429: ("TooManyRequests", "Rate limited; retry after `Retry-After` seconds.", ("Retry-After",)),
    502: (
        "BadGateway",
        "The profile's remote system refused (credentials), could not be reached or did not answer "
        "in time; `detail` says which.",
        (),
    ),
    503: (
        "ServiceUnavailable",
        "The database or the job queue cannot be reached; retry after `Retry-After` seconds.",
        ("Retry-After",),
    ),
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def param_ref(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


def array_of(item: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": item, **extra}


def nullable(schema: Schema) -> Schema:
    """JSON Schema 2020-12 style: `null` or the schema (OpenAPI 3.1 has no `nullable`)."""
    return {"oneOf": [{"type": "null"}, schema]}


def query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def header(name: str, description: str, *, required: bool = False, schema: Schema | None = None) -> Schema:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": schema or {"type": "string"},
        "description": description,
    }


def reply(description: str, schema: Schema | None = None, *, headers: Iterable[str] = ()) -> Schema:
    """A success response; `headers` name components under #/components/headers."""
    out: Schema = {"description": description}
    if schema is not None:
        out["content"] = {JSON: {"schema": schema}}
    names = list(headers)
    if names:
        out["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in names}
    return out


def with_etag(description: str, schema: Schema) -> Schema:
    """A configuration resource as read or written: the body and its strong ETag."""
    return reply(description, schema, headers=["ETag"])


def created(description: str, schema: Schema, *, etag: bool = True) -> dict[str, Schema]:
    return {"201": reply(description, schema, headers=["Location", "ETag"] if etag else ["Location"])}


NO_CONTENT: dict[str, Schema] = {"204": reply("Done; no body.")}


def problem_schemas() -> dict[str, Schema]:
    return {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "description": "A URI naming the problem, or `about:blank`."},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "errors": array_of(ref("FieldError"), description="On 422: what is wrong, and where."),
            },
        },
        "FieldError": {
            "type": "object",
            "required": ["pointer", "message"],
            "properties": {
                "pointer": {"type": "string", "description": "JSON Pointer into the request body."},
                "message": {"type": "string"},
            },
            "additionalProperties": False,
        },
    }


def problem_responses() -> dict[str, Schema]:
    """#/components/responses: one problem+json response per status the API answers with."""
    out: dict[str, Schema] = {}
    for name, description, headers in PROBLEMS.values():
        out[name] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": ref("Problem")}},
            **({"headers": {h: {"$ref": f"#/components/headers/{h}"} for h in headers}} if headers else {}),
        }
    return out


@dataclass
class Op:
    """One operation: what is particular to it. The rest is derived by `Api.add`."""

    method: str
    path: str
    id: str
    summary: str
    replies: dict[str, Schema]
    description: str | None = None
    params: list[Schema] = field(default_factory=list)
    body: Schema | None = None
    body_required: bool = True  # False: action routes that accept an empty body or `{}`
    merge_patch: bool = False
    if_match: bool = False
    idempotency_key: bool = False
    problems: tuple[int, ...] = ()  # beyond the derived ones (409, ...)
    public: bool = False
    security: list[Schema] | None = None  # overrides the default (ApiKey, or none when public)
    any_media_type: bool = False  # the body is parsed as JSON whatever its Content-Type (no 415)


PATH_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class Api:
    """The `paths` and the paged-list components of the document, filled by the route groups."""

    paths: dict[str, dict[str, Schema]] = field(default_factory=dict)
    schemas: dict[str, Schema] = field(default_factory=dict)

    def paged(self, item: str) -> Schema:
        """A reference to `<item>Page`: one page of `item`, registered on first use."""
        name = f"{item}Page"
        self.schemas.setdefault(
            name,
            {
                "type": "object",
                "description": f"One page of {item} resources, newest first.",
                "required": ["items", "page", "pageSize", "total"],
                "properties": {
                    "items": array_of(ref(item)),
                    "page": {"type": "integer", "minimum": 1},
                    "pageSize": {"type": "integer", "minimum": 1, "maximum": 200},
                    "total": {"type": "integer", "minimum": 0, "description": "Across all pages."},
                },
            },
        )
        return ref(name)

    def add(self, tag: str, op: Op) -> None:
        method, path = op.method.lower(), op.path
        params = [_path_param(name) for name in PATH_PARAM.findall(path)] + list(op.params)
        statuses = {*op.problems, 503}  # every route needs the database
        if not op.public:
            statuses |= {401, 429}
        if PATH_PARAM.search(path):
            statuses.add(404)
        if any(p.get("in") == "query" or "parameters/Page" in p.get("$ref", "") for p in op.params):
            statuses.add(400)
        if op.if_match:
            params.append(param_ref("IfMatch"))
            statuses |= {412, 428}
        if op.idempotency_key:
            params.append(param_ref("IdempotencyKey"))
        operation: Schema = {"operationId": op.id, "tags": [tag], "summary": op.summary}
        if op.description:
            operation["description"] = op.description
        if params:
            operation["parameters"] = params
        if op.body is not None:
            statuses |= {400, 413, 422} if op.any_media_type else {400, 413, 415, 422}
            types = [JSON, MERGE_PATCH] if op.merge_patch else [JSON]
            operation["requestBody"] = {
                "required": op.body_required,
                "content": {t: {"schema": op.body} for t in types},
            }
        responses = dict(op.replies)
        for status in sorted(statuses):
            responses[str(status)] = {"$ref": f"#/components/responses/{PROBLEMS[status][0]}"}
        operation["responses"] = dict(sorted(responses.items()))
        if op.security is not None:
            operation["security"] = op.security
        elif op.public:
            operation["security"] = []
        item = self.paths.setdefault(path, {})
        assert method not in item, f"{method.upper()} {path} is described twice"
        item[method] = operation


def _path_param(name: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
