"""The schemas with a life of their own: the mapping document and the connection profile kinds.

Both are the JSON Schemas the API validates with, read from their source, so the spec cannot drift:
the mapping document is `schema/mapping.schema.json`; a profile's config and secrets per kind come
from `ezy.connections.kinds`. The mapping schema's `$defs` become components (`MappingExpression`, ...)
so that every `$ref` resolves against the OpenAPI document, and `$schema`/`$id` are dropped (OpenAPI
3.1's default dialect is 2020-12 already, and an `$id` would re-base the refs inside it).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ezy.connections import kinds as connection_kinds
from ezy.mappings.contracts import MAPPING_DOCUMENT
from ezy.rest.openapi_build import Schema, ref
from ezy.rest.openapi_models import inline_schemas
from ezy.rest.openapi_schemas import NAME, obj

MAPPING_SCHEMA_FILE = "mapping.schema.json"


def load_mapping_schema() -> Schema:
    text = resources.files("schema").joinpath(MAPPING_SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: Schema = json.loads(text)
    return loaded


def _def_name(name: str) -> str:
    return f"Mapping{name[:1].upper()}{name[1:]}"


def _rebase(node: Any) -> Any:
    """Refs local to the mapping schema, rewritten to point into #/components/schemas."""
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rebase(value) for key, value in node.items()}
    target = out.get("$ref")
    if isinstance(target, str) and target.startswith("#"):
        head, _, rest = target.removeprefix("#/$defs/").partition("/")
        if target.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{_def_name(head)}" + (f"/{rest}" if rest else "")
        else:
            out["$ref"] = f"#/components/schemas/{MAPPING_DOCUMENT}{target[1:]}"
    return out


def mapping_schemas() -> dict[str, Schema]:
    """The document's schema and its `$defs`; the resource and preview components that refer to it
    are generated from `ezy.mappings.contracts`."""
    source = load_mapping_schema()
    document = {k: v for k, v in source.items() if k not in ("$schema", "$id", "$defs")}
    out: dict[str, Schema] = {MAPPING_DOCUMENT: _rebase(document)}
    for name, definition in source.get("$defs", {}).items():
        out[_def_name(name)] = _rebase(definition)
    return out


WRITE_ONLY = "Write-only: responses list the names in `secretKeys`, never a value."


def _profile_input(kind: str, components: dict[str, Schema]) -> Schema:
    declared = connection_kinds.declaration(kind)
    config, secrets = inline_schemas({"c": declared.config_model, "s": declared.secrets_model}, components)
    description = declared.description or f"A `{kind}` connection."
    return obj(
        {"name": NAME, "kind": {"const": kind}, "config": config, "secrets": secrets | {"writeOnly": True}},
        required=["name", "kind", "config"],
        title=f"{kind} profile",
        description=f"{description} `secrets`: {WRITE_ONLY}",
    )


def connection_schemas() -> dict[str, Schema]:
    """The create/replace body is a `oneOf` by `kind`, one closed config schema per kind."""
    names = {kind: f"{kind.capitalize()}ProfileInput" for kind in connection_kinds.kinds()}
    out: dict[str, Schema] = {}
    out.update({name: _profile_input(kind, out) for kind, name in names.items()})
    out["ConnectionProfileInput"] = {
        "examples": [{"name": "Demo store", "kind": "sample", "config": {"count": 100, "seed": 1}}],
        "oneOf": [ref(name) for name in names.values()],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {kind: f"#/components/schemas/{name}" for kind, name in names.items()},
        },
    }
    return out
