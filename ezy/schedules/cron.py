"""Cron expressions: what we accept, and when a schedule fires next, DST-correct, in its time zone.

Accepted: five fields (minute hour day-of-month month day-of-week) as croniter reads them, or one
of the aliases below. Seconds and year fields are refused: the scheduler works to the minute.

Daylight saving time, as Vixie cron does it:
- spring forward: a wall time that does not exist that day fires once, at the moment the clock
  jumps (`30 2 * * *` in Europe/Berlin fires at 03:00 CEST on the last Sunday of March);
- fall back: a fixed wall time that happens twice fires once, at its first occurrence; an
  expression whose hour field is `*` or a step (`*/2`) keeps firing by the clock through both passes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MAX_LENGTH = 120


class CronError(ValueError):
    """An expression or time zone we cannot schedule; the message is fit for a 422."""


def expand(cron: str) -> str:
    """The five-field form of an expression (aliases resolved); raises CronError if not valid."""
    text = " ".join(cron.split())
    if text.startswith("@"):
        if text.lower() not in ALIASES:
            raise CronError(f"unknown alias {text!r}; use one of {', '.join(ALIASES)}")
        return ALIASES[text.lower()]
    fields = text.split(" ")
    if len(fields) != 5:
        raise CronError(
            f"expected 5 fields (minute hour day month weekday), got {len(fields)}; "
            "seconds and years are not supported"
        )
    if not croniter.is_valid(text):
        raise CronError(f"invalid cron expression {text!r}")
    return text


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


def validate_cron(cron: str, timezone: str = "UTC") -> None:
    """Raises CronError unless the expression is valid and fires at least once from now on."""
    if len(cron) > MAX_LENGTH:
        raise CronError(f"a cron expression has at most {MAX_LENGTH} characters")
    next_run(cron, timezone, datetime.now(UTC))


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    """The first firing strictly after `after` (an aware datetime), in UTC."""
    expr, tz = expand(cron), zone(timezone)
    runs = croniter(expr, after.astimezone(tz))
    repeats_by_clock = expr.split(" ")[1].startswith("*")
    try:
        while True:
            candidate: datetime = runs.get_next(datetime)
            if repeats_by_clock or not _second_pass(candidate):
                return candidate.astimezone(UTC)
    except CroniterBadDateError:
        raise CronError(f"{cron!r} never fires") from None
    except (CroniterBadCronError, CroniterError) as exc:
        raise CronError(f"invalid cron expression {cron!r}: {exc}") from None


def _second_pass(moment: datetime) -> bool:
    """True for the repeat of a wall time during a fall-back hour."""
    return moment.replace(fold=0).astimezone(UTC) != moment.astimezone(UTC)
