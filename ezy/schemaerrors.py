"""JSON Schema (Draft 2020-12) failures as FieldErrors whose messages never quote the value.

jsonschema's own messages embed the offending instance ("'hunter2' is not of type 'integer'"), which
would echo a secret back in a 422; these are built from the schema side only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ezy.errors import FieldError

_MESSAGES = {
    "type": "must be of type {}",
    "enum": "must be one of {}",
    "const": "must be {}",
    "minLength": "must be at least {} characters",
    "maxLength": "must be at most {} characters",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "maxProperties": "must have at most {} members",
    "pattern": "must match the pattern {}",
}


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON Pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def schema_errors(schema: Mapping[str, Any], instance: Any, base: str = "") -> list[FieldError]:
    validator = Draft202012Validator(schema)
    found = [e for error in validator.iter_errors(instance) for e in _field_errors(error, base)]
    return sorted(set(found), key=lambda e: e.pointer)


def _field_errors(error: ValidationError, base: str) -> Iterator[FieldError]:
    at = base + pointer(*error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in sorted(k for k in error.instance if k not in allowed):
            yield FieldError(at + pointer(name), "unknown field")
    elif error.validator == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield FieldError(at + pointer(name), "is required")
    elif error.validator in _MESSAGES:
        yield FieldError(at, _MESSAGES[str(error.validator)].format(_show(error.validator_value)))
    else:
        yield FieldError(at, f"does not satisfy the {error.validator!r} constraint")


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
