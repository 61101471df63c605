"""Connection profiles: `{name, kind, config, secrets}`; secrets are write-only (`secretKeys` names them)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ezy.connections import service
from ezy.connections.contracts import (
    ConnectionProfileFilter,
    ConnectionProfileInput,
    ConnectionProfilePatch,
    ConnectionProfileView,
    ConnectionTestView,
)
from ezy.connections.models import ConnectionProfile as ConnectionProfileRow
from ezy.connectors.base import ConnectorKind
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    as_view,
    contract_input,
    contract_type,
    or_none,
    page_request,
)
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(ConnectorKind, description="What a profile connects to.")
contract_type(ConnectionProfileView, "ConnectionProfile")
contract_input(ConnectionProfileInput, "ConnectionProfileInput")
contract_input(ConnectionProfilePatch, "ConnectionProfilePatch")
contract_type(ConnectionTestView, "ConnectionTest")


def profile_of(row: ConnectionProfileRow) -> ConnectionProfileView:
    return as_view(ConnectionProfileView, row)


@strawberry.type
class ConnectionProfilePayload:
    connection_profile: ConnectionProfileView


CreateResult = Annotated[
    ConnectionProfilePayload | ValidationError | ConflictError,
    strawberry.union("CreateConnectionProfileResult"),
]
WriteResult = Annotated[
    ConnectionProfilePayload | ValidationError | NotFoundError | ConflictError | VersionMismatchError,
    strawberry.union("WriteConnectionProfileResult"),
]
DeleteResult = Annotated[
    Deleted | NotFoundError | ConflictError | VersionMismatchError,
    strawberry.union("DeleteConnectionProfileResult"),
]
TestResult = Annotated[ConnectionTestView | NotFoundError, strawberry.union("TestConnectionProfileResult")]


def _payload(row: ConnectionProfileRow) -> ConnectionProfilePayload:
    return ConnectionProfilePayload(connection_profile=profile_of(row))


@strawberry.type
class ConnectionProfileQueries:
    @strawberry.field(description="Your connection profiles, newest first; `kind` filters.")
    async def connection_profiles(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        kind: ConnectorKind | None = None,
    ) -> Page[ConnectionProfileView]:
        where = ConnectionProfileFilter(kind=kind)
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, profile_of)

    @strawberry.field(description="One connection profile; null when your tenant has none with this id.")
    async def connection_profile(self, info: Info, id: strawberry.ID) -> ConnectionProfileView | None:
        row = await or_none(service.get(info.context.ctx, id))
        return profile_of(row) if row else None


@strawberry.type
class ConnectionProfileMutations:
    @strawberry.mutation(description="A new profile (REST's POST); `secrets` are stored encrypted.")
    async def create_connection_profile(self, info: Info, input: ConnectionProfileInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, input))

    @strawberry.mutation(description="Replaces the whole profile (REST's PUT).")
    async def replace_connection_profile(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: ConnectionProfileInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, input, expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_connection_profile(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: ConnectionProfilePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, patch, expected_version))

    @strawberry.mutation(
        description="Deletes the profile; a ConflictError names the instances still using it."
    )
    async def delete_connection_profile(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)

    @strawberry.mutation(description="Connects with the profile's settings and reports how it went.")
    async def test_connection_profile(self, info: Info, id: strawberry.ID) -> TestResult:
        return await service.test(info.context.ctx, id)
