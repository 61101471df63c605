"""Connection profiles: `{name, kind, config, secrets}`; secrets are write-only (`secretKeys` names them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from ezy.connections import service
from ezy.connections.models import ConnectionProfile as ConnectionProfileRow
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
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError


@strawberry.type(description="Where records come from or go to; secret values are never answered.")
class ConnectionProfile:
    row: strawberry.Private[ConnectionProfileRow]
    id: strawberry.ID
    name: str
    kind: str
    config: JSON
    secret_keys: list[str] = strawberry.field(description="Names of the stored secrets, never their values.")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ConnectionProfileRow) -> ConnectionProfile:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            name=row.name,
            kind=row.kind,
            config=JSON(row.config),
            secret_keys=list(row.secret_keys),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input(
    description="A whole profile (create, replace). On replace, omitted `secrets` keep the stored."
)
class ConnectionProfileInput:
    name: str
    kind: str
    config: JSON | None = strawberry.UNSET
    secrets: JSON | None = strawberry.UNSET


@strawberry.input(description="A JSON Merge Patch of a profile: omitted fields stay, null removes.")
class ConnectionProfilePatch:
    name: str | None = strawberry.UNSET
    kind: str | None = strawberry.UNSET
    config: JSON | None = strawberry.UNSET
    secrets: JSON | None = strawberry.UNSET


@strawberry.type
class ConnectionProfilePayload:
    connection_profile: ConnectionProfile


@strawberry.type(description="The outcome of a connection test; a failed test is `ok: false`, not an error.")
class ConnectionTest:
    ok: bool
    latency_ms: float
    detail: str


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
TestResult = Annotated[ConnectionTest | NotFoundError, strawberry.union("TestConnectionProfileResult")]


def _payload(row: ConnectionProfileRow) -> ConnectionProfilePayload:
    return ConnectionProfilePayload(connection_profile=ConnectionProfile.from_row(row))


@strawberry.type
class ConnectionProfileQueries:
    @strawberry.field(description="Your connection profiles, newest first; `kind` filters.")
    async def connection_profiles(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        kind: str | None = None,
    ) -> Page[ConnectionProfile]:
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), filters(kind=kind))
        return Page.of(rows, ConnectionProfile.from_row)

    @strawberry.field(description="One connection profile; null when your tenant has none with this id.")
    async def connection_profile(self, info: Info, id: strawberry.ID) -> ConnectionProfile | None:
        row = await or_none(service.get(info.context.ctx, id))
        return ConnectionProfile.from_row(row) if row else None


@strawberry.type
class ConnectionProfileMutations:
    @strawberry.mutation(description="A new profile (REST's POST); `secrets` are stored encrypted.")
    async def create_connection_profile(self, info: Info, input: ConnectionProfileInput) -> CreateResult:
        return _payload(await service.create(info.context.ctx, to_body(input)))

    @strawberry.mutation(description="Replaces the whole profile (REST's PUT).")
    async def replace_connection_profile(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: ConnectionProfileInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, to_body(input), expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_connection_profile(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: ConnectionProfilePatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, to_body(patch), expected_version))

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
        result = await service.test(info.context.ctx, id)
        return ConnectionTest(ok=result["ok"], latency_ms=result["latencyMs"], detail=result["detail"])
