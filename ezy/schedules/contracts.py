"""Schedules as clients write and read them (REST, GraphQL and OpenAPI derive from these).

A 5-field cron (or an `@hourly`-style alias, see `ezy.schedules.cron`) in an IANA time zone. Null or
omitted `timezone`, `enabled` and `overlapPolicy` take their defaults (UTC, true, skip), as a merge
patch's null does. `nextRunAt` and `lastRunAt` are the scheduler's, never written by a client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, Strict, field_validator

from ezy.contract import Contract, Filter, ResourceView
from ezy.schedules.cron import MAX_LENGTH, CronError, validate_cron, zone
from ezy.schedules.models import OverlapPolicy

DEFAULT_TIMEZONE = "UTC"
CRON = "5-field cron (minute hour day month weekday) or an alias: `@hourly`, `@daily`, ..."
TIMEZONE = "IANA time zone, e.g. `Europe/Paris`; UTC when null or omitted."
ENABLED = "A disabled schedule never fires and has no `nextRunAt`; true when null or omitted."
POLICY = "What a due run does while the previous one still runs; `skip` when null or omitted."

Cron = Annotated[
    str, Field(min_length=1, max_length=MAX_LENGTH, description=CRON, examples=["*/15 * * * *", "@hourly"])
]
TimeZone = Annotated[str, Field(min_length=1, max_length=64)]
# Strict: "yes" is not a boolean (lax Pydantic would take it).
Flag = Annotated[bool, Strict()]


class _Timing(Contract):
    """The cron and time zone checks an input and a patch share, each at its own member."""

    @field_validator("cron", check_fields=False)
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        try:
            if value is not None:
                # Valid, and fires at least once: neither depends on the zone (every zone has Feb 29).
                validate_cron(value, DEFAULT_TIMEZONE)
        except CronError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        try:
            if value is not None:
                zone(value)
        except CronError as exc:
            raise ValueError(str(exc)) from None
        return value


class ScheduleInput(_Timing):
    """A whole schedule (create, PUT): `timezone` defaults to UTC, `enabled` to true."""

    instance_id: UUID = Field(description="The instance it runs; yours, and it must exist.")
    cron: Cron
    timezone: TimeZone | None = Field(default=None, description=TIMEZONE)
    enabled: Flag | None = Field(default=None, description=ENABLED)
    overlap_policy: OverlapPolicy | None = Field(default=None, description=POLICY)

    @property
    def zone(self) -> str:
        return self.timezone or DEFAULT_TIMEZONE

    @property
    def is_enabled(self) -> bool:
        return True if self.enabled is None else self.enabled

    @property
    def policy(self) -> OverlapPolicy:
        return self.overlap_policy or OverlapPolicy.SKIP


class SchedulePatch(_Timing):
    """A JSON Merge Patch of a schedule: omitted members stay, null restores a default."""

    instance_id: UUID | None = None
    cron: Cron | None = Field(default=None, description=CRON)
    timezone: TimeZone | None = Field(default=None, description=TIMEZONE)
    enabled: Flag | None = Field(default=None, description=ENABLED)
    overlap_policy: OverlapPolicy | None = Field(default=None, description=POLICY)


class ScheduleView(ResourceView):
    """When an instance runs by itself."""

    instance_id: UUID
    cron: str
    timezone: str
    enabled: bool
    overlap_policy: OverlapPolicy
    next_run_at: datetime | None = Field(description="The next firing, UTC; null while disabled.")
    last_run_at: datetime | None = Field(description="The last firing, UTC; null before the first.")


class ScheduleFilter(Filter):
    instance_id: UUID | None = None
    enabled: bool | None = None
