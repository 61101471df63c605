"""Instances: a source profile, a target profile and a mapping, run together; `status` moves by action."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

import strawberry

from ezy.connections.contracts import ConnectionProfileView
from ezy.instances import service
from ezy.instances.contracts import InstanceFilter, InstanceInput, InstancePatch, InstanceView
from ezy.instances.models import Instance as InstanceRow
from ezy.instances.models import InstanceStatus
from ezy.mappings.contracts import MappingConfigurationView
from schema.common import VersionArg, as_view, contract_input, contract_type
from schema.connections import profile_of
from schema.context import Info
from schema.crud import Crud, crud_mutations, crud_queries
from schema.errors import NotFoundError, VersionMismatchError
from schema.loaders import Relation, item_fields, relation_field
from schema.mappings import mapping_of

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(
    InstanceStatus, description="An inactive instance runs nothing; it changes only by activate/deactivate."
)
contract_input(InstanceInput, "InstanceInput")
contract_input(InstancePatch, "InstancePatch")

SOURCE_PROFILE = Relation(lambda loaders: loaders.connection_profile, "source_profile_id", profile_of)
TARGET_PROFILE = Relation(lambda loaders: loaders.connection_profile, "target_profile_id", profile_of)
MAPPING = Relation(lambda loaders: loaders.mapping, "mapping_id", mapping_of)


class Instance(InstanceView):
    """A source, a target and a mapping that run together."""

    @classmethod
    def from_row(cls, row: InstanceRow) -> Instance:
        return instance_of(row)

    # The resolvers' `self` is the row (`as_view`). Sync: at once when the list prefetched the page's
    # relations, else a batched load.
    @strawberry.pydantic.field
    @relation_field(SOURCE_PROFILE)
    def source_profile(self, info: Info) -> ConnectionProfileView:
        return SOURCE_PROFILE.resolve(self, info.context)

    @strawberry.pydantic.field
    @relation_field(TARGET_PROFILE)
    def target_profile(self, info: Info) -> ConnectionProfileView:
        return TARGET_PROFILE.resolve(self, info.context)

    @strawberry.pydantic.field
    @relation_field(MAPPING)
    def mapping(self, info: Info) -> MappingConfigurationView:
        return MAPPING.resolve(self, info.context)

    @strawberry.pydantic.field(description="How many schedules trigger this instance.")
    async def schedule_count(self, info: Info) -> int:
        return await info.context.loaders.schedule_count.load(self.id)

    @strawberry.pydantic.field(description="How many webhook endpoints feed this instance.")
    async def webhook_endpoint_count(self, info: Info) -> int:
        return await info.context.loaders.webhook_endpoint_count.load(self.id)


contract_type(Instance, "Instance")


def instance_of(row: InstanceRow) -> Instance:
    return as_view(Instance, row)


async def instance_by_id(info: Info, id: uuid.UUID) -> Instance:
    """The instance a schedule or a webhook endpoint belongs to (it cannot be deleted while they are)."""
    row = await info.context.loaders.instance.load(id)
    assert row is not None, "an instance with schedules or endpoints cannot be deleted"
    return instance_of(row)


async def _prefetch(info: Info, rows: Sequence[Any]) -> None:
    await info.context.loaders.prefetch_instance_relations(rows, item_fields(info.selected_fields))


INSTANCES = Crud(
    "Instance",
    "instance",
    Instance,
    InstanceInput,
    InstancePatch,
    InstanceFilter,
    service,  # a module satisfies the protocol
    prefetch=_prefetch,
)
InstanceQueries = crud_queries(INSTANCES, "instances")
InstanceCrud = crud_mutations(INSTANCES)
InstancePayload = INSTANCES.payload_type()
StatusResult = Annotated[
    InstancePayload | NotFoundError | VersionMismatchError,  # type: ignore[valid-type]
    strawberry.union("InstanceStatusResult"),
]


@strawberry.type
class InstanceMutations(InstanceCrud):  # type: ignore[misc,valid-type]
    @strawberry.mutation(description="Starts running: triggers, schedules and webhooks take effect.")
    async def activate_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> StatusResult:
        return InstancePayload(instance=await service.activate(info.context.ctx, id, expected_version))

    @strawberry.mutation(
        description="Stops running: triggers get a conflict, schedules skip, webhooks are skipped."
    )
    async def deactivate_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> StatusResult:
        return InstancePayload(instance=await service.deactivate(info.context.ctx, id, expected_version))
