"""Instances: a source profile, a target profile and a mapping, run together; `status` moves by action."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from ezy.connections.contracts import ConnectionProfileView
from ezy.instances import service
from ezy.instances.models import Instance as InstanceRow
from ezy.mappings.contracts import MappingConfigurationView
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    filters,
    or_none,
    page_request,
    to_body,
)
from schema.connections import profile_of
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError
from schema.loaders import item_fields, now_or_later
from schema.mappings import mapping_of


@strawberry.enum(description="An inactive instance runs nothing; it changes only by activate/deactivate.")
class InstanceStatus(enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"


@strawberry.type(description="A source, a target and a mapping that run together.")
class Instance:
    row: strawberry.Private[InstanceRow]
    id: strawberry.ID
    name: str
    source_profile_id: strawberry.ID
    target_profile_id: strawberry.ID
    mapping_id: strawberry.ID
    options: JSON
    status: InstanceStatus
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: InstanceRow) -> Instance:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            name=row.name,
            source_profile_id=strawberry.ID(str(row.source_profile_id)),
            target_profile_id=strawberry.ID(str(row.target_profile_id)),
            mapping_id=strawberry.ID(str(row.mapping_id)),
            options=JSON(row.options),
            status=InstanceStatus(row.status),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    # Sync resolvers: at once when the list prefetched the page's relations, else a batched load.
    @strawberry.field
    def source_profile(self, info: Info) -> ConnectionProfileView:
        loader = info.context.loaders.connection_profile
        return now_or_later(loader, self.row.source_profile_id, profile_of)

    @strawberry.field
    def target_profile(self, info: Info) -> ConnectionProfileView:
        loader = info.context.loaders.connection_profile
        return now_or_later(loader, self.row.target_profile_id, profile_of)

    @strawberry.field
    def mapping(self, info: Info) -> MappingConfigurationView:
        loader = info.context.loaders.mapping
        return now_or_later(loader, self.row.mapping_id, mapping_of)

    @strawberry.field(description="How many schedules trigger this instance.")
    async def schedule_count(self, info: Info) -> int:
        return await info.context.loaders.schedule_count.load(self.row.id)

    @strawberry.field(description="How many webhook endpoints feed this instance.")
    async def webhook_endpoint_count(self, info: Info) -> int:
        return await info.context.loaders.webhook_endpoint_count.load(self.row.id)


@strawberry.input(description="A whole instance (create, replace); ids must be your tenant's.")
class InstanceInput:
    name: str
    source_profile_id: strawberry.ID
    target_profile_id: strawberry.ID
    mapping_id: strawberry.ID
    options: JSON | None = strawberry.UNSET


@strawberry.input(description="A JSON Merge Patch of an instance: omitted fields stay.")
class InstancePatch:
    name: str | None = strawberry.UNSET
    source_profile_id: strawberry.ID | None = strawberry.UNSET
    target_profile_id: strawberry.ID | None = strawberry.UNSET
    mapping_id: strawberry.ID | None = strawberry.UNSET
    options: JSON | None = strawberry.UNSET


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
    return InstancePayload(instance=Instance.from_row(row))


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
        where = filters(
            status=status,
            source_profile_id=source_profile_id,
            target_profile_id=target_profile_id,
            mapping_id=mapping_id,
        )
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        await info.context.loaders.prefetch_instance_relations(rows.items, item_fields(info.selected_fields))
        return Page.of(rows, Instance.from_row)

    @strawberry.field(description="One instance; null when your tenant has none with this id.")
    async def instance(self, info: Info, id: strawberry.ID) -> Instance | None:
        row = await or_none(service.get(info.context.ctx, id))
        return Instance.from_row(row) if row else None


@strawberry.type
class InstanceMutations:
    @strawberry.mutation(description="A new instance, `INACTIVE` until activated (REST's POST).")
    async def create_instance(self, info: Info, input: InstanceInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, to_body(input)))

    @strawberry.mutation(description="Replaces the whole instance (REST's PUT); `status` is not part of it.")
    async def replace_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: InstanceInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, to_body(input), expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_instance(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: InstancePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, to_body(patch), expected_version))

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
