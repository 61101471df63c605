"""Connector kinds as the configuration API sees them: each kind's declaration, from the registry.

A kind declares its config and secrets models, its cross-checks and its hosts next to its code
(`ezy.connectors.<kind>`, a `KindBase`); nothing here branches on a kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ezy.connectors.base import ConnectorKind, KindBase
from ezy.connectors.registry import CONNECTOR_KINDS
from ezy.contract import field_errors
from ezy.errors import FieldError


def kinds() -> list[str]:
    return sorted(CONNECTOR_KINDS)


def declaration(kind: ConnectorKind | str) -> type[KindBase]:
    declared: type[KindBase] = CONNECTOR_KINDS[ConnectorKind(kind)]
    return declared


def profile_errors(
    kind: ConnectorKind, config: Mapping[str, Any], secrets: Mapping[str, Any]
) -> list[FieldError]:
    """Everything wrong with a profile's config and secrets for its kind, as pointers into the body."""
    declared = declaration(kind)
    errors = _errors(declared.config_model, config, "/config") + _errors(
        declared.secrets_model, secrets, "/secrets"
    )
    return errors or declared.check_profile(config, set(secrets))


def _errors(model: type[Any], value: Mapping[str, Any], base: str) -> list[FieldError]:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        return field_errors(exc, base=base)
    return []


def hosts(kind: str, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """The (host, port) pairs a connection test of this profile would connect to."""
    return declaration(kind).hosts(config)
