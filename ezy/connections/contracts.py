"""Connection profiles as clients write and read them (REST, GraphQL and OpenAPI derive from these).

Secret values are write-only: inputs carry `secrets`, views name them (`secret_keys`) and nothing else.
A kind's own `config` and `secrets` members are checked against the kind's declaration
(`ezy.connections.kinds`) once the shape here is valid.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from ezy.connectors.base import ConnectorKind
from ezy.contract import Contract, Filter, JSONObject, JSONValue, Name, ResourceView, View


class ConnectionProfileInput(Contract):
    """A whole profile (create, PUT). On PUT an omitted or null `secrets` keeps the stored ones."""

    name: Name
    kind: ConnectorKind
    config: JSONObject = Field(
        default_factory=dict, description="The kind's settings; shown in every answer."
    )
    secrets: JSONObject | None = Field(
        default=None, description="Write-only; stored encrypted. Replaces the stored set when given."
    )


class ConnectionProfilePatch(Contract):
    """A JSON Merge Patch of a profile: omitted members stay, null removes (`secrets` members too)."""

    name: Name | None = None
    kind: ConnectorKind | None = None
    config: JSONObject | None = None
    secrets: JSONObject | None = None


class ConnectionProfileView(ResourceView):
    """Where records come from or go to; secret values are never answered."""

    name: str
    kind: ConnectorKind
    config: JSONObject
    secret_keys: list[str] = Field(description="Names of the stored secrets, never their values.")


class ConnectionProfileFilter(Filter):
    kind: ConnectorKind | None = None


class ConnectionTestView(View):
    """The outcome of a connection test; a failed test is `ok: false`, not an error."""

    ok: bool
    latency_ms: float
    detail: str


MAX_SAMPLE_RECORDS = 50
MAX_SAMPLE_BYTES = 1024 * 1024


def _a_resource_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\x00" in value:
        raise ValueError("must not contain NUL")
    return value


ResourceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="What to read, as a mapping's `extract.resource` names it: products, a table, a path.",
    ),
    AfterValidator(_a_resource_name),
]


class SampleRequest(Contract):
    """Read the first page of `resource` through a profile, to preview a mapping over real records."""

    resource: ResourceName
    limit: int = Field(
        10,
        ge=1,
        le=MAX_SAMPLE_RECORDS,
        strict=True,
        description=f"At most this many records (1 to {MAX_SAMPLE_RECORDS}).",
    )


class SampleView(View):
    """The first records of a resource as the source reads them; nothing was written, no cursor moved."""

    resource: str
    records: list[JSONValue | None] = Field(
        description="In the source's order, at most `limit`: what a run's extract stage would see."
    )
    truncated: bool = Field(
        description=(
            f"True when records were left out to keep the answer under {MAX_SAMPLE_BYTES // 2**20} MiB "
            "of JSON."
        )
    )
