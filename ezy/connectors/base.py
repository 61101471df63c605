"""The interface every connector kind implements.

    ConnectorError          the connector cannot do what was asked (bad config, missing table)
     └── TransientError     worth retrying: network, connection lost, overload, rate limit

A kind is one class with `kind`, `config_schema` and `secrets_schema` (JSON Schemas that reject
unknown fields), constructed from a profile's config and secrets. Sources yield pages whose
`cursor` resumes the read after that page; targets answer one `WriteResult` per record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

WriteMode = Literal["upsert", "insert", "update"]


class ConnectorKind(StrEnum):
    """A profile's `kind`: one member per module in this package that registers itself."""

    SAMPLE = "sample"
    POSTGRES = "postgres"
    HTTP = "http"
    SHOPIFY = "shopify"


class ConnectorError(Exception):
    pass


class TransientError(ConnectorError):
    pass


@dataclass(frozen=True, slots=True)
class ConnectionTestResult:
    ok: bool
    latency_ms: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "latencyMs": round(self.latency_ms, 1), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    description: str = ""


@dataclass(slots=True)
class Page:
    records: list[Any]
    cursor: str | None = None  # where a read resumes after this page; None if it cannot


@dataclass(frozen=True, slots=True)
class WriteResult:
    ok: bool
    code: str | None = None  # "load_rejected" or "load_failed" when not ok
    message: str | None = None


WRITE_OK = WriteResult(True)


@runtime_checkable
class Connector(Protocol):
    kind: ClassVar[str]
    config_schema: ClassVar[Mapping[str, Any]]
    secrets_schema: ClassVar[Mapping[str, Any]]

    async def test(self) -> ConnectionTestResult: ...

    async def list_resources(self) -> list[Resource]: ...

    def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]: ...

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]: ...

    async def close(self) -> None: ...
