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
    SampleRequest,
    SampleView,
)
from ezy.connections.models import ConnectionProfile as ConnectionProfileRow
from ezy.connectors.base import ConnectorKind
from ezy.contract import parse
from schema.common import (
    as_view,
    contract_input,
    contract_type,
)
from schema.context import Info
from schema.crud import Crud, crud_mutations, crud_queries
from schema.errors import NotFoundError, RemoteError, ValidationError

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
strawberry.enum(ConnectorKind, description="What a profile connects to.")
contract_type(ConnectionProfileView, "ConnectionProfile")
contract_input(ConnectionProfileInput, "ConnectionProfileInput")
contract_input(ConnectionProfilePatch, "ConnectionProfilePatch")
contract_type(ConnectionTestView, "ConnectionTest")
contract_type(SampleView, "RecordSample")


def profile_of(row: ConnectionProfileRow) -> ConnectionProfileView:
    return as_view(ConnectionProfileView, row)


PROFILES = Crud(
    "ConnectionProfile",
    "connection profile",
    ConnectionProfileView,
    ConnectionProfileInput,
    ConnectionProfilePatch,
    ConnectionProfileFilter,
    service,  # a module satisfies the protocol
)
ConnectionProfileCrudQueries = crud_queries(PROFILES, "connection_profiles")
ConnectionProfileCrud = crud_mutations(PROFILES)
TestResult = Annotated[ConnectionTestView | NotFoundError, strawberry.union("TestConnectionProfileResult")]
SampleResult = Annotated[
    SampleView | ValidationError | NotFoundError | RemoteError, strawberry.union("SampleRecordsResult")
]


@strawberry.type
class ConnectionProfileQueries(ConnectionProfileCrudQueries):  # type: ignore[misc,valid-type]
    # A query: it reads (the first page, no cursor moves, nothing is written here or there), like
    # previewMapping, which the console feeds its records to.
    @strawberry.field(
        description=(
            "The first records (`limit`: 1 to 50) of a source's `resource`, read through the profile "
            "to preview a mapping over real records. Errors point into `{resource, limit}`; an unknown "
            "resource is a ValidationError, the remote failing (credentials, unreachable, too slow) "
            "a RemoteError."
        )
    )
    async def sample_records(
        self, info: Info, profile_id: strawberry.ID, resource: str, limit: int = 10
    ) -> SampleResult:
        request = parse(SampleRequest, {"resource": resource, "limit": limit})
        return await service.sample(info.context.ctx, profile_id, request)


@strawberry.type
class ConnectionProfileMutations(ConnectionProfileCrud):  # type: ignore[misc,valid-type]
    @strawberry.mutation(description="Connects with the profile's settings and reports how it went.")
    async def test_connection_profile(self, info: Info, id: strawberry.ID) -> TestResult:
        return await service.test(info.context.ctx, id)
