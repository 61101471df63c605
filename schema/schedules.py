"""Schedules: a 5-field cron (or `@hourly`-style alias) in an IANA time zone, with a computed `nextRunAt`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ezy.contract import view_of
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.schedules import service
from ezy.schedules.contracts import ScheduleFilter, ScheduleInput, SchedulePatch, ScheduleView
from ezy.schedules.models import OverlapPolicy
from ezy.schedules.models import Schedule as ScheduleRow
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    contract_input,
    contract_type,
    filter_of,
    or_none,
    page_request,
)
from schema.context import Info
from schema.errors import NotFoundError, ValidationError, VersionMismatchError
from schema.instances import Instance, instance_of

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(OverlapPolicy, description="What a due run does while the previous one still runs.")
contract_input(ScheduleInput, "ScheduleInput")
contract_input(SchedulePatch, "SchedulePatch")


class Schedule(ScheduleView):
    """When an instance runs by itself."""

    @strawberry.pydantic.field
    async def instance(self, info: Info) -> Instance:
        row = await info.context.loaders.instance.load(self.instance_id)
        assert row is not None, "a scheduled instance cannot be deleted"
        return instance_of(row)


contract_type(Schedule, "Schedule")


def schedule_of(row: ScheduleRow) -> Schedule:
    return view_of(Schedule, row)


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
    return SchedulePayload(schedule=schedule_of(row))


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
        where = filter_of(ScheduleFilter, instance_id=instance_id, enabled=enabled)
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, schedule_of)

    @strawberry.field(description="One schedule; null when your tenant has none with this id.")
    async def schedule(self, info: Info, id: strawberry.ID) -> Schedule | None:
        row = await or_none(service.get(info.context.ctx, id))
        return schedule_of(row) if row else None


@strawberry.type
class ScheduleMutations:
    @strawberry.mutation(
        description="A new schedule (REST's POST); an invalid cron or time zone is a ValidationError."
    )
    async def create_schedule(self, info: Info, input: ScheduleInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, input))

    @strawberry.mutation(description="Replaces the whole schedule (REST's PUT).")
    async def replace_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: ScheduleInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, input, expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: SchedulePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, patch, expected_version))

    @strawberry.mutation(description="Deletes the schedule.")
    async def delete_schedule(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
