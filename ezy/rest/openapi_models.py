"""Components generated from the typed contracts: each REST module lists its models in `COMPONENTS`.

Pydantic writes the JSON Schema (`model_json_schema`, by alias, so camelCase as on the wire); nested
models and enums become components of their own, named after their class. Inputs are described as
they validate, views as they serialize. Pydantic's generated `title`s are dropped (the component name
says it) so the document reads as the hand-written one did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from ezy.contract import Filter, View
from ezy.rest.openapi_build import Schema, query

REF = "#/components/schemas/{model}"
# A member a contract declares as `WithJsonSchema({"x-component": "<Name>", ...})` is a `$ref` to that
# component: one no model generates, such as the mapping document's (a JSON Schema file). Pydantic
# refuses a `$ref` in its output to anything but its own definitions, so the ref is written here.
COMPONENT = "x-component"
_DATA = frozenset({"examples", "default", "const", "enum"})  # values, not schemas: a "title" there stays


def model_components(groups: Iterable[Mapping[str, type[BaseModel]]]) -> dict[str, Schema]:
    out: dict[str, Schema] = {}
    for group in groups:
        for name, schema in zip(group, inline_schemas(group, out), strict=True):
            out[name] = schema
    return out


def inline_schemas(models: Mapping[str, type[BaseModel]], components: dict[str, Schema]) -> list[Schema]:
    """Each model's schema, its nested models and enums added to `components` (by class name)."""
    schemas: list[Schema] = []
    for model in models.values():
        mode: JsonSchemaMode = "serialization" if issubclass(model, View) else "validation"
        schema = model.model_json_schema(by_alias=True, ref_template=REF, mode=mode)
        for def_name, definition in schema.pop("$defs", {}).items():
            components[def_name] = _finished(definition)
        schemas.append(_finished(schema))
    return schemas


def _finished(node: Any) -> Any:
    """Without Pydantic's titles, with `x-component` members as `$ref`s; examples are data, kept as given."""
    if isinstance(node, dict):
        out = {
            k: v if k in _DATA else _finished(v)
            for k, v in node.items()
            if not (k == "title" and isinstance(v, str))
        }
        if isinstance(out.get(COMPONENT), str):
            out = {"$ref": REF.format(model=out.pop(COMPONENT)), **out}
        return out
    if isinstance(node, list):
        return [_finished(item) for item in node]
    return node


def query_params(model: type[Filter]) -> list[Schema]:
    """A list filter's members as `in: query` parameters (an unknown one is a 400).

    Each parameter is optional and takes the member's schema without its `null` branch (leaving a
    parameter out is "no filter"); enums and other definitions are inlined, as parameters have no
    component of their own here.
    """
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.get("$defs", {})
    out: list[Schema] = []
    for name, member in schema.get("properties", {}).items():
        description = member.get("description") or f"Only those with this `{name}`."
        out.append(query(name, _finished(_inline(_not_null(member), defs)), description))
    return out


def _not_null(member: Schema) -> Schema:
    kept = {k: v for k, v in member.items() if k not in {"anyOf", "default", "description", "title"}}
    branches = [b for b in member.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1:
        return {**branches[0], **kept}
    return {**kept, "anyOf": branches} if branches else kept


def _inline(node: Any, defs: Mapping[str, Schema]) -> Any:
    if isinstance(node, dict):
        target = node.get("$ref", "")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            return _inline(defs[target.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node
