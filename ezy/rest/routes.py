"""Every REST route group under /api/v1, assembled in one list."""

from __future__ import annotations

from starlette.routing import BaseRoute

from ezy.rest import (
    api_keys,
    audit_log,
    connection_profiles,
    dlq,
    instances,
    mapping_configurations,
    schedules,
    sync_events,
    sync_logs,
    webhook_endpoints,
    webhook_receiver,
)

ROUTE_GROUPS = [
    webhook_receiver.routes,  # first: the busiest route is matched before the others are tried
    api_keys.routes,
    connection_profiles.routes,
    mapping_configurations.routes,
    instances.routes,
    schedules.routes,
    webhook_endpoints.routes,
    sync_events.routes,
    sync_logs.routes,
    dlq.routes,
    audit_log.routes,
]


def api_routes() -> list[BaseRoute]:
    return [route for group in ROUTE_GROUPS for route in group]
