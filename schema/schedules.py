"""Schedules: a 5-field cron (or `@hourly`-style alias) in an IANA time zone, with a computed `nextRunAt`."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.schedules import service
from ezy.schedules.models import Schedule as ScheduleRow
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    filters,
    or_none,
    page_request,
    to_body,
)
from schema.context import Info
from schema.errors import NotFoundError, ValidationError, VersionMismatchError
from schema.instances import Instance


@strawberry.enum(description="What a due run does while the previous one still runs.")
class OverlapPolicy(enum.Enum):
    SKIP = "skip"
    QUEUE = "queue"


@strawberry.type(description="When an instance runs by itself.")
class Schedule:
    row: strawberry.Private[ScheduleRow]
    id: strawberry.ID
    instance_id: strawberry.ID
    cron: str
    timezone: str
    enabled: bool
    overlap_policy: OverlapPolicy
    next_run_at: datetime | None = strawberry.field(description="Null while the schedule is disabled.")
    last_run_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ScheduleRow) -> Schedule:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            instance_id=strawberry.ID(str(row.instance_id)),
            cron=row.cron,
            timezone=row.timezone,
            enabled=row.enabled,
            overlap_policy=OverlapPolicy(row.overlap_policy),
            next_run_at=row.next_run_at,
            last_run_at=row.last_run_at,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def instance(self, info: Info) -> Instance:
        row = await info.context.loaders.instance.load(self.row.instance_id)
        assert row is not None, "a scheduled instance cannot be deleted"
        return Instance.from_row(row)


@strawberry.input(
    description="A whole schedule (create, replace): `timezone` defaults to UTC, `enabled` to true."
)
class ScheduleInput:
    instance_id: strawberry.ID
    cron: str
    timezone: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    overlap_policy: OverlapPolicy | None = strawberry.UNSET


@strawberry.input(description="A JSON Merge Patch of a schedule: omitted fields stay.")
class SchedulePatch:
    instance_id: strawberry.ID | None = strawberry.UNSET
    cron: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    overlap_policy: OverlapPolicy | None = strawberry.UNSET


@strawberry.type
class SchedulePayload:
    schedule: Schedule


CreateResult = Annotated[SchedulePayload | ValidationError, strawberry.union("CreateScheduleResult")]
WriteResult = Annotated[
    SchedulePayload | ValidationError | NotFoundError | VersionMismatchError,
    strawberry.union("WriteScheduleResult"),
]
DeleteResult = Annotated[
    Deleted | NotFoundError | VersionMismatchError, strawberry.union("DeleteScheduleResult")
]


def _payload(row: ScheduleRow) -> SchedulePayload:
    return SchedulePayload(schedule=Schedule.from_row(row))


@strawberry.type
class ScheduleQueries:
    @strawberry.field(description="Your schedules, newest first; `instanceId` and `enabled` filter.")
    async def schedules(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        instance_id: strawberry.ID | None = None,
        enabled: bool | None = None,
    ) -> Page[Schedule]:
        where = filters(instance_id=instance_id, enabled=enabled)
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, Schedule.from_row)

    @strawberry.field(description="One schedule; null when your tenant has none with this id.")
    async def schedule(self, info: Info, id: strawberry.ID) -> Schedule | None:
        row = await or_none(service.get(info.context.ctx, id))
        return Schedule.from_row(row) if row else None


@strawberry.type
class ScheduleMutations:
    @strawberry.mutation(
        description="A new schedule (REST's POST); an invalid cron or time zone is a ValidationError."
    )
    async def create_schedule(self, info: Info, input: ScheduleInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, to_body(input)))

    @strawberry.mutation(description="Replaces the whole schedule (REST's PUT).")
    async def replace_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: ScheduleInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, to_body(input), expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: SchedulePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, to_body(patch), expected_version))

    @strawberry.mutation(description="Deletes the schedule.")
    async def delete_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
