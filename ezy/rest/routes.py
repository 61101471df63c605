"""Every REST route group under /api/v1, assembled in one list."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ezy.rest import api_keys

ROUTE_GROUPS = [api_keys.routes]


def api_routes() -> list[BaseRoute]:
    return [route for group in ROUTE_GROUPS for route in group]
