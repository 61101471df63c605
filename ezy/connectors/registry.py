"""Connector kinds by name. Each kind module registers its class here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ezy.connectors.base import Connector, ConnectorError
from ezy.connectors.postgres import PostgresConnector
from ezy.connectors.sample import SampleConnector

CONNECTOR_KINDS: dict[str, type[Any]] = {
    SampleConnector.kind: SampleConnector,
    PostgresConnector.kind: PostgresConnector,
}


def open_connector(
    kind: str, config: Mapping[str, Any], secrets: Mapping[str, Any] | None = None
) -> Connector:
    """A connector of `kind`; config and secrets are expected to be valid against its schemas."""
    cls = CONNECTOR_KINDS.get(kind)
    if cls is None:
        raise ConnectorError(f"unknown connector kind {kind!r}")
    connector: Connector = cls(config, secrets or {})
    return connector
