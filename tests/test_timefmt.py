"""RFC 3339 timestamps as the API answers them: UTC, `Z`, milliseconds only when there are any."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ezy.timefmt import parse_rfc3339, rfc3339


def _reference(value: datetime) -> str:
    """The plain spelling of the format, kept to compare the fast one against."""
    value = value.astimezone(UTC)
    text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), "2026-11-28T12:00:00Z"),
        (datetime(2026, 11, 28, 12, 0, 0, 1, tzinfo=UTC), "2026-11-28T12:00:00.000Z"),
        (datetime(2026, 11, 28, 12, 0, 0, 999_999, tzinfo=UTC), "2026-11-28T12:00:00.999Z"),
        (
            datetime(2026, 11, 28, 14, 30, tzinfo=timezone(timedelta(hours=2, minutes=30))),
            "2026-11-28T12:00:00Z",
        ),
        (datetime(2026, 7, 1, 2, 0, 0, 120_000, tzinfo=ZoneInfo("Europe/Paris")), "2026-07-01T00:00:00.120Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
    ],
)
def test_timestamps_are_answered_in_utc_with_z(value: datetime, text: str) -> None:
    assert rfc3339(value) == text
    assert parse_rfc3339(text) == value.replace(microsecond=value.microsecond // 1000 * 1000)


def test_any_aware_timestamp_is_answered_as_the_plain_spelling_would() -> None:
    rng = random.Random(14)
    zones = [UTC, ZoneInfo("UTC"), ZoneInfo("America/New_York"), timezone(timedelta(hours=-3, minutes=-30))]
    for _ in range(2000):
        seconds = rng.randrange(0, 4_000_000_000)
        micro = rng.choice([0, rng.randrange(1, 1000), rng.randrange(0, 1_000_000)])
        value = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro).astimezone(rng.choice(zones))
        assert rfc3339(value) == _reference(value)
    assert rfc3339(None) is None
