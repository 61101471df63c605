from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(value: datetime | None) -> str | None:
    """`2026-11-28T12:00:00Z`: UTC, with milliseconds only when there are any."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # `isoformat()` without `timespec` (twice as fast): `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, cut
    # to milliseconds (truncated, as `timespec="milliseconds"` does) or to seconds.
    return value.isoformat()[: 23 if value.microsecond else 19] + "Z"


def parse_rfc3339(text: str) -> datetime:
    """Accepts `Z` or an offset; a naive timestamp is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
