"""The schema, assembled from the per-domain query and mutation pieces."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.api_keys import ApiKeyMutations, ApiKeyQueries
from schema.audit import AuditQueries
from schema.common import SCALAR_OVERRIDES
from schema.connections import ConnectionProfileMutations, ConnectionProfileQueries
from schema.dashboards import DashboardQueries, Subscription
from schema.dlq import DeadLetterMutations, DeadLetterQueries
from schema.errors import EXCEPTION_HANDLERS
from schema.execution import PlainFieldsExecutor
from schema.extensions import extension_factories, is_unexpected
from schema.instances import InstanceMutations, InstanceQueries
from schema.mappings import MappingMutations, MappingQueries
from schema.runs import RunMutations, RunQueries
from schema.schedules import ScheduleMutations, ScheduleQueries
from schema.webhooks import WebhookMutations, WebhookQueries

log = logging.getLogger("ezy.graphql")


@strawberry.type(description="Everything a tenant can read; every list is paged.")
class Query(
    ApiKeyQueries,
    ConnectionProfileQueries,
    MappingQueries,
    InstanceQueries,
    ScheduleQueries,
    WebhookQueries,
    RunQueries,
    DeadLetterQueries,
    DashboardQueries,
    AuditQueries,
):
    pass


@strawberry.type(description="Every change; each answers a union of its payload and its expected errors.")
class Mutation(
    ApiKeyMutations,
    ConnectionProfileMutations,
    MappingMutations,
    InstanceMutations,
    ScheduleMutations,
    WebhookMutations,
    RunMutations,
    DeadLetterMutations,
):
    pass


class EzySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Logs what the client sees masked; its own mistakes (validation, domain errors) are not ours."""
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error in a resolver: %s", error.message, exc_info=error.original_error)


schema = EzySchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=extension_factories(),
    scalar_overrides=SCALAR_OVERRIDES,
    exception_handlers=EXCEPTION_HANDLERS,
    execution_context_class=PlainFieldsExecutor,
)
