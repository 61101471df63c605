"""Schedules: a 5-field cron (or `@hourly`-style alias) in an IANA time zone, with a computed `nextRunAt`."""

from __future__ import annotations

import strawberry

from ezy.schedules import service
from ezy.schedules.contracts import ScheduleFilter, ScheduleInput, SchedulePatch, ScheduleView
from ezy.schedules.models import OverlapPolicy
from schema.common import contract_input, contract_type
from schema.context import Info
from schema.crud import Crud, crud_mutations, crud_queries
from schema.instances import Instance, instance_by_id

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(OverlapPolicy, description="What a due run does while the previous one still runs.")
contract_input(ScheduleInput, "ScheduleInput")
contract_input(SchedulePatch, "SchedulePatch")


class Schedule(ScheduleView):
    """When an instance runs by itself."""

    # `self` is the row (`as_view`).
    @strawberry.pydantic.field
    async def instance(self, info: Info) -> Instance:
        return await instance_by_id(info, self.instance_id)


contract_type(Schedule, "Schedule")

SCHEDULES = Crud(
    "Schedule",
    "schedule",
    Schedule,
    ScheduleInput,
    SchedulePatch,
    ScheduleFilter,
    service,  # a module satisfies the protocol
    named=False,  # schedules have no name
    referenced=False,  # nothing refers to a schedule
)
ScheduleQueries = crud_queries(SCHEDULES, "schedules")
ScheduleMutations = crud_mutations(SCHEDULES)
