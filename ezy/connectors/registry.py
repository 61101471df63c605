"""Connector kinds by name. Each kind module registers its class here."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from ezy.connectors.base import Connector, ConnectorError, ConnectorKind
from ezy.connectors.http import HttpConnector
from ezy.connectors.postgres import PostgresConnector
from ezy.connectors.sample import SampleConnector
from ezy.connectors.shopify import ShopifyConnector

CONNECTOR_KINDS: dict[ConnectorKind, type[Any]] = {
    cls.kind: cls for cls in (SampleConnector, PostgresConnector, HttpConnector, ShopifyConnector)
}
assert set(CONNECTOR_KINDS) == set(ConnectorKind), "every ConnectorKind member has its module"


def open_connector(
    kind: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, Any] | None = None,
    *,
    allow_private_networks: bool = False,
) -> Connector:
    """A connector of `kind`; config and secrets are expected to be valid against its schemas.

    `allow_private_networks` is the deployment's setting: kinds that reach the network refuse
    private, loopback and link-local hosts without it. Kinds with no network ignore it.
    """
    cls = CONNECTOR_KINDS.get(ConnectorKind(kind)) if kind in set(ConnectorKind) else None
    if cls is None:
        raise ConnectorError(f"unknown connector kind {kind!r}")
    if _takes_network_policy(cls):
        connector: Connector = cls(config, secrets or {}, allow_private_networks=allow_private_networks)
    else:
        connector = cls(config, secrets or {})
    return connector


def _takes_network_policy(cls: type[Any]) -> bool:
    return "allow_private_networks" in inspect.signature(cls).parameters
