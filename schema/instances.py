"""Instances: a source profile, a target profile and a mapping, run together; `status` moves by action."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ezy.connections.contracts import ConnectionProfileView
from ezy.contract import view_of
from ezy.instances import service
from ezy.instances.contracts import InstanceFilter, InstanceInput, InstancePatch, InstanceView
from ezy.instances.models import Instance as InstanceRow
from ezy.instances.models import InstanceStatus
from ezy.pagination import DEFAULT_PAGE_SIZE
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
from schema.connections import profile_of
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError
from schema.loaders import item_fields, now_or_later
from schema.mappings import MappingConfiguration

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(
    InstanceStatus, description="An inactive instance runs nothing; it changes only by activate/deactivate."
)
contract_input(InstanceInput, "InstanceInput")
contract_input(InstancePatch, "InstancePatch")


class Instance(InstanceView):
    """A source, a target and a mapping that run together."""

    @classmethod
    def from_row(cls, row: InstanceRow) -> Instance:
        return view_of(cls, row)

    # Sync resolvers: at once when the list prefetched the page's relations, else a batched load.
    @strawberry.pydantic.field
    def source_profile(self, info: Info) -> ConnectionProfileView:
        loader = info.context.loaders.connection_profile
        return now_or_later(loader, self.source_profile_id, profile_of)

    @strawberry.pydantic.field
    def target_profile(self, info: Info) -> ConnectionProfileView:
        loader = info.context.loaders.connection_profile
        return now_or_later(loader, self.target_profile_id, profile_of)

    @strawberry.pydantic.field
    def mapping(self, info: Info) -> MappingConfiguration:
        loader = info.context.loaders.mapping
        return now_or_later(loader, self.mapping_id, MappingConfiguration.from_row)

    @strawberry.pydantic.field(description="How many schedules trigger this instance.")
    async def schedule_count(self, info: Info) -> int:
        return await info.context.loaders.schedule_count.load(self.id)

    @strawberry.pydantic.field(description="How many webhook endpoints feed this instance.")
    async def webhook_endpoint_count(self, info: Info) -> int:
        return await info.context.loaders.webhook_endpoint_count.load(self.id)


contract_type(Instance, "Instance")


def instance_of(row: InstanceRow) -> Instance:
    return view_of(Instance, row)


@strawberry.type
class InstancePayload:
    instance: Instance


CreateResult = Annotated[
    InstancePayload | ValidationError | ConflictError, strawberry.union("CreateInstanceResult")
]
WriteResult = Annotated[
    InstancePayload | ValidationError | NotFoundError | ConflictError | VersionMismatchError,
    strawberry.union("WriteInstanceResult"),
]
StatusResult = Annotated[
    InstancePayload | NotFoundError | VersionMismatchError, strawberry.union("InstanceStatusResult")
]
DeleteResult = Annotated[
    Deleted | NotFoundError | ConflictError | VersionMismatchError, strawberry.union("DeleteInstanceResult")
]


def _payload(row: InstanceRow) -> InstancePayload:
    return InstancePayload(instance=instance_of(row))


@strawberry.type
class InstanceQueries:
    @strawberry.field(description="Your instances, newest first; every argument after `pageSize` filters.")
    async def instances(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        status: InstanceStatus | None = None,
        source_profile_id: strawberry.ID | None = None,
        target_profile_id: strawberry.ID | None = None,
        mapping_id: strawberry.ID | None = None,
    ) -> Page[Instance]:
        where = filter_of(
            InstanceFilter,
            status=status,
            source_profile_id=source_profile_id,
            target_profile_id=target_profile_id,
            mapping_id=mapping_id,
        )
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        await info.context.loaders.prefetch_instance_relations(rows.items, item_fields(info.selected_fields))
        return Page.of(rows, instance_of)

    @strawberry.field(description="One instance; null when your tenant has none with this id.")
    async def instance(self, info: Info, id: strawberry.ID) -> Instance | None:
        row = await or_none(service.get(info.context.ctx, id))
        return instance_of(row) if row else None


@strawberry.type
class InstanceMutations:
    @strawberry.mutation(description="A new instance, `INACTIVE` until activated (REST's POST).")
    async def create_instance(self, info: Info, input: InstanceInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, input))

    @strawberry.mutation(description="Replaces the whole instance (REST's PUT); `status` is not part of it.")
    async def replace_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: InstanceInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, input, expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: InstancePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, patch, expected_version))

    @strawberry.mutation(description="Starts running: triggers, schedules and webhooks take effect.")
    async def activate_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> StatusResult:
        return _payload(await service.activate(info.context.ctx, id, expected_version))

    @strawberry.mutation(
        description="Stops running: triggers get a conflict, schedules skip, webhooks are skipped."
    )
    async def deactivate_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> StatusResult:
        return _payload(await service.deactivate(info.context.ctx, id, expected_version))

    @strawberry.mutation(
        description="Deletes it; a ConflictError names the schedules and endpoints using it."
    )
    async def delete_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
