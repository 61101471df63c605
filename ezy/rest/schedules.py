from __future__ import annotations

from ezy.rest.crud import Resource, crud_routes
from ezy.schedules import service

resource = Resource(
    "/schedules",
    service.create,
    service.get,
    service.list_page,
    service.replace,
    service.patch,
    service.delete,
    service.view,
)
routes = crud_routes(resource)
