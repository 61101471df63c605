"""The few schema pieces still written by hand: parameter and action-body shapes of the paths.

Resources' components are generated from their contracts (`openapi_models.py`); the mapping
document and the connection profile kinds' `oneOf` live in `openapi_documents.py`.
"""

from __future__ import annotations

from typing import Any

from ezy.rest.openapi_build import Schema

UUID: Schema = {"type": "string", "format": "uuid"}
TIME: Schema = {"type": "string", "format": "date-time", "description": "RFC 3339, UTC."}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 200}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}


def obj(properties: dict[str, Schema], *, required: list[str] | None = None, **extra: Any) -> Schema:
    """A closed object: fields not listed are `422` on input and never sent on output."""
    out: Schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        out["required"] = required
    return out
