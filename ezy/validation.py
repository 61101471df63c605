"""Small typed readers for JSON bodies: each failure is a 422 with a JSON Pointer to the field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ezy.errors import FieldError, ValidationFailed, invalid


def check_fields(body: dict[str, Any], allowed: Iterable[str], *, base: str = "") -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed(
            f"unknown field(s): {', '.join(unknown)}",
            errors=[FieldError(f"{base}/{name}", "unknown field") for name in unknown],
        )


def required_str(body: dict[str, Any], name: str, *, max_length: int = 200, base: str = "") -> str:
    value = body.get(name)
    if value is None:
        raise invalid(f"{base}/{name}", f"{name} is required")
    if not isinstance(value, str):
        raise invalid(f"{base}/{name}", f"{name} must be a string")
    if not value.strip():
        raise invalid(f"{base}/{name}", f"{name} must not be empty")
    if len(value) > max_length:
        raise invalid(f"{base}/{name}", f"{name} must be at most {max_length} characters")
    return value


def optional_str(body: dict[str, Any], name: str, *, max_length: int = 200, base: str = "") -> str | None:
    if body.get(name) is None:
        return None
    return required_str(body, name, max_length=max_length, base=base)


def optional_int(body: dict[str, Any], name: str, *, base: str = "") -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{base}/{name}", f"{name} must be an integer")
    return value


def optional_bool(body: dict[str, Any], name: str, *, base: str = "") -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise invalid(f"{base}/{name}", f"{name} must be a boolean")
    return value


def optional_object(body: dict[str, Any], name: str, *, base: str = "") -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"{base}/{name}", f"{name} must be an object")
    return value
