"""The interface every connector kind implements.

    ConnectorError          the connector cannot do what was asked (bad config, missing table)
     └── TransientError     worth retrying: network, connection lost, overload, rate limit

A kind is one class (a `KindBase`) that declares its `kind`, its profile `config_model` and
`secrets_model` (closed, strict Pydantic models: the contract the API validates with and OpenAPI
describes), the rules across the two (`check_profile`) and the hosts a connection test reaches
(`hosts`), and is constructed from a profile's config and secrets. Sources yield pages whose
`cursor` resumes the read after that page; targets answer one `WriteResult` per record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from pydantic import ConfigDict

from ezy.contract import Contract
from ezy.errors import FieldError

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


class KindSettings(Contract):
    """A kind's config or secrets: camelCase, closed, and strict (`"10"` is not a number)."""

    model_config = ConfigDict(strict=True)


class NoSecrets(KindSettings):
    """This kind keeps no secrets."""


class KindBase:
    """What a connector kind declares about its profiles; the defaults suit a kind without network."""

    kind: ClassVar[ConnectorKind]
    description: ClassVar[str] = ""
    config_model: ClassVar[type[KindSettings]]
    secrets_model: ClassVar[type[KindSettings]] = NoSecrets

    @classmethod
    def check_profile(cls, config: Mapping[str, Any], secret_keys: set[str]) -> list[FieldError]:
        """What the models cannot say alone: rules across config and secrets (pointers from the body)."""
        return []

    @classmethod
    def hosts(cls, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
        """The (host, port) pairs a connection test of a profile with `config` connects to."""
        return []

    @classmethod
    def sample_config(cls, config: Mapping[str, Any]) -> Mapping[str, Any]:
        """The config to read a few first records with (a mapping preview's sample): the profile's own,
        unless the kind's full reads take machinery a handful of records must not start."""
        return config


def url_host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port


@runtime_checkable
class Connector(Protocol):
    kind: ClassVar[str]

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
