"""Cron validation and DST-correct next runs, with exact instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ezy.schedules.cron import CronError, next_run, validate_cron


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "tz", "after", "expected"),
    [
        pytest.param("30 2 * * *", "UTC", "2026-11-28 12:00", "2026-11-29 02:30", id="daily-utc"),
        pytest.param("0 0 * * *", "Asia/Tokyo", "2026-11-28 12:00", "2026-11-28 15:00", id="tokyo-midnight"),
        # Europe/Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 does not exist that day
        # and fires once, when the clock jumps (01:00 UTC); the day after it is 02:30 CEST again.
        pytest.param("30 2 * * *", "Europe/Berlin", "2026-03-28 12:00", "2026-03-29 01:00", id="spring-gap"),
        pytest.param("30 2 * * *", "Europe/Berlin", "2026-03-29 01:00", "2026-03-30 00:30", id="after-gap"),
        pytest.param(
            "0 * * * *", "Europe/Berlin", "2026-03-29 00:00", "2026-03-29 01:00", id="hourly-spring"
        ),
        # Falls back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice and fires once, the first time.
        pytest.param("30 2 * * *", "Europe/Berlin", "2026-10-24 12:00", "2026-10-25 00:30", id="fall-first"),
        pytest.param("30 2 * * *", "Europe/Berlin", "2026-10-25 00:30", "2026-10-26 01:30", id="fall-once"),
        # An hourly job keeps firing by the clock through both passes of 02:xx.
        pytest.param("0 * * * *", "Europe/Berlin", "2026-10-25 00:00", "2026-10-25 01:00", id="hourly-fall"),
        pytest.param(
            "@daily", "America/New_York", "2026-03-08 04:59", "2026-03-08 05:00", id="alias-before-dst"
        ),
        pytest.param(
            "@daily", "America/New_York", "2026-03-08 05:00", "2026-03-09 04:00", id="alias-after-dst"
        ),
        pytest.param("@hourly", "UTC", "2026-01-01 10:00", "2026-01-01 11:00", id="strictly-after"),
        pytest.param("@weekly", "UTC", "2026-11-28 12:00", "2026-11-29 00:00", id="weekly-sunday"),
        pytest.param("@yearly", "UTC", "2026-11-28 12:00", "2027-01-01 00:00", id="yearly"),
    ],
)
def test_next_run(cron: str, tz: str, after: str, expected: str) -> None:
    assert next_run(cron, tz, utc(after)) == utc(expected)


def test_next_run_is_utc() -> None:
    assert next_run("0 9 * * 1-5", "Europe/Berlin", utc("2026-11-28 12:00")).tzinfo is UTC


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        pytest.param("* * * * * *", "expected 5 fields", id="six-fields-seconds"),
        pytest.param("0 0 0 * * * 2027", "expected 5 fields", id="seven-fields"),
        pytest.param("* * * *", "expected 5 fields", id="four-fields"),
        pytest.param("61 * * * *", "invalid", id="minute-out-of-range"),
        pytest.param("*/0 * * * *", "invalid", id="zero-step"),
        pytest.param("@reboot", "unknown alias", id="reboot-alias"),
        pytest.param("0 0 31 2 *", "never fires", id="never-fires"),
        pytest.param("x" * 121, "at most 120", id="too-long"),
    ],
)
def test_invalid_cron(cron: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        validate_cron(cron)


@pytest.mark.parametrize(
    "cron", ["*/5 * * * *", "0 9 * * 1-5", "@midnight", "@annually", "@MONTHLY", "0 0 L * *"]
)
def test_valid_cron(cron: str) -> None:
    validate_cron(cron, "Europe/Berlin")


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd", "CET+1"])
def test_unknown_time_zone(tz: str) -> None:
    with pytest.raises(CronError, match="time zone"):
        validate_cron("@daily", tz)
