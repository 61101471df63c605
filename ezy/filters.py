"""List filters from query parameters: unknown names and ill-typed values are a 400, never ignored."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ezy.errors import InvalidRequest
from ezy.timefmt import parse_rfc3339

# query parameter -> (ORM filter keyword, converter raising ValueError for a bad value)
FilterSpec = Mapping[str, tuple[str, Callable[[str], Any]]]
# Longer than any column a filter compares (names: 200), so such a value can only be refused.
MAX_VALUE_LENGTH = 200


def _storable(raw: str) -> str:
    """Every filter value before its converter: bounded, and without NUL (PostgreSQL refuses it)."""
    if len(raw) > MAX_VALUE_LENGTH:
        raise ValueError(f"must be at most {MAX_VALUE_LENGTH} characters")
    if "\x00" in raw:
        raise ValueError("must not contain NUL")
    return raw


def parse_filters(filters: Mapping[str, str], spec: FilterSpec) -> dict[str, Any]:
    """ORM keyword arguments for the given query filters."""
    out: dict[str, Any] = {}
    for name, raw in filters.items():
        if name not in spec:
            known = ", ".join(sorted(spec)) or "none"
            raise InvalidRequest(f"unknown query parameter {name!r} (filters here: {known})")
        field, convert = spec[name]
        try:
            out[field] = convert(_storable(raw))
        except ValueError as exc:
            raise InvalidRequest(f"query parameter {name}: {exc}") from None
    return out


def one_of(*choices: str) -> Callable[[str], str]:
    def convert(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return raw

    return convert


def uuid_value(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValueError("must be a UUID") from None


def bool_value(raw: str) -> bool:
    if raw in ("true", "false"):
        return raw == "true"
    raise ValueError("must be true or false")


def timestamp_value(raw: str) -> Any:
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise ValueError("must be an RFC 3339 timestamp") from None
