"""Connector kinds as the configuration API sees them: their JSON Schemas and the hosts they reach.

Each kind's connector in `ezy.connectors.registry` brings its own schemas; this module adds what
spans config and secrets, and the hosts a connection test reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ezy.connectors._http_config import AUTH_SECRET as HTTP_AUTH_SECRET
from ezy.connectors.postgres import dsn_hosts
from ezy.connectors.registry import CONNECTOR_KINDS
from ezy.errors import FieldError

Schema = Mapping[str, Any]


def kinds() -> list[str]:
    return sorted(CONNECTOR_KINDS)


def schemas(kind: str) -> tuple[Schema, Schema]:
    """(config schema, secrets schema) of a kind; KeyError for an unknown kind."""
    cls = CONNECTOR_KINDS[kind]
    return cls.config_schema, cls.secrets_schema


def cross_check(kind: str, config: Mapping[str, Any], secret_keys: set[str]) -> list[FieldError]:
    """What the schemas cannot say: rules across config and secrets."""
    if kind == "postgres" and urlsplit(str(config.get("dsn", ""))).password:
        # config is shown in every response; a password there would leak.
        return [FieldError("/config/dsn", "put the password in secrets.password, not in the DSN")]
    if kind == "http":
        auth_type = (config.get("auth") or {}).get("type", "none")
        needed = HTTP_AUTH_SECRET.get(auth_type)
        if needed and needed not in secret_keys:
            return [FieldError(f"/secrets/{needed}", f"auth type {auth_type!r} needs secrets.{needed}")]
    return []


def hosts(kind: str, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """The (host, port) pairs a connection test of this profile would connect to."""
    if kind == "postgres":
        return dsn_hosts(str(config.get("dsn", "")))
    if kind == "http":
        return [_url_host(str(config["baseUrl"]))]
    if kind == "shopify":
        endpoint = config.get("endpoint")
        return [_url_host(str(endpoint)) if endpoint else (str(config["shopDomain"]), 443)]
    return []


def _url_host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port
