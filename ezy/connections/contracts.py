"""Connection profiles as clients write and read them (REST, GraphQL and OpenAPI derive from these).

Secret values are write-only: inputs carry `secrets`, views name them (`secret_keys`) and nothing else.
A kind's own `config` and `secrets` members are checked against the kind's declaration
(`ezy.connections.kinds`) once the shape here is valid.
"""

from __future__ import annotations

from pydantic import Field

from ezy.connectors.base import ConnectorKind
from ezy.contract import Contract, Filter, JSONObject, Name, ResourceView, View


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
