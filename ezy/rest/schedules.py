from __future__ import annotations

from pydantic import BaseModel

from ezy.rest.crud import TypedResource, typed_routes
from ezy.schedules import service
from ezy.schedules.contracts import ScheduleFilter, ScheduleInput, SchedulePatch, ScheduleView

resource = TypedResource(
    "/schedules",
    "Schedule",
    ScheduleView,
    ScheduleInput,
    SchedulePatch,
    ScheduleFilter,
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
)
COMPONENTS: dict[str, type[BaseModel]] = resource.components()
routes = typed_routes(resource)
