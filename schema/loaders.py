"""DataLoaders: relations of a listed page in one query each, batched by id within the caller's tenant.

Created per request (see `schema.context`), so the cache never outlives a request and never crosses
tenants. These are the only ORM reads in `schema/`; everything else goes through the services.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.functions import Count
from tortoise.models import Model

from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.schedules.models import Schedule
from ezy.scoping import scoped
from ezy.webhooks.models import WebhookEndpoint

M = TypeVar("M", bound=Model)


def _by_id(model: type[M], ctx: TenantContext) -> DataLoader[uuid.UUID, M | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[M | None]:
        rows = await scoped(model, ctx).filter(id__in=list(set(ids)))
        found: dict[Any, M] = {row.pk: row for row in rows}
        return [found.get(id_) for id_ in ids]

    return DataLoader(load_fn=load)


def _count_by_instance(model: type[Model], ctx: TenantContext) -> DataLoader[uuid.UUID, int]:
    async def load(ids: Sequence[uuid.UUID]) -> list[int]:
        rows = (
            await scoped(model, ctx)
            .filter(instance_id__in=list(set(ids)))
            .annotate(n=Count("id"))
            .group_by("instance_id")
            .values("instance_id", "n")
        )
        counts = {_as_uuid(row["instance_id"]): row["n"] for row in rows}
        return [counts.get(id_, 0) for id_ in ids]

    return DataLoader(load_fn=load)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class Loaders:
    """One loader per relation the schema resolves; keys are UUIDs."""

    def __init__(self, ctx: TenantContext) -> None:
        self.connection_profile = _by_id(ConnectionProfile, ctx)
        self.mapping = _by_id(MappingConfiguration, ctx)
        self.instance = _by_id(Instance, ctx)
        self.schedule_count = _count_by_instance(Schedule, ctx)
        self.webhook_endpoint_count = _count_by_instance(WebhookEndpoint, ctx)
