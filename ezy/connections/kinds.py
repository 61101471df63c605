"""Connector kinds as the configuration API sees them: their JSON Schemas and the hosts they reach.

Kinds with a connector in `ezy.connectors.registry` bring their own schemas. `shopify` has no
connector yet, so its schemas are written here from api.md; once a connector registers, its
schemas take over (the registry is consulted first).
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
_STRING = {"type": "string", "minLength": 1, "maxLength": 500}
_URL = {"type": "string", "maxLength": 2000, "pattern": "^https?://[^/?#\\s]+"}

SHOPIFY_CONFIG: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["shopDomain", "apiVersion"],
    "properties": {
        "shopDomain": {"type": "string", "maxLength": 255, "pattern": "^[A-Za-z0-9][A-Za-z0-9.-]*$"},
        "apiVersion": {"type": "string", "pattern": "^(\\d{4}-\\d{2}|unstable)$"},
        # Overrides https://{shopDomain}: a proxy, or a fake store in tests.
        "endpoint": _URL,
    },
}
SHOPIFY_SECRETS: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["accessToken"],
    "properties": {"accessToken": _STRING, "webhookSecret": _STRING},
}
_FALLBACK: dict[str, tuple[Schema, Schema]] = {
    "shopify": (SHOPIFY_CONFIG, SHOPIFY_SECRETS),
}


def kinds() -> list[str]:
    return sorted({*CONNECTOR_KINDS, *_FALLBACK})


def has_connector(kind: str) -> bool:
    return kind in CONNECTOR_KINDS


def schemas(kind: str) -> tuple[Schema, Schema]:
    """(config schema, secrets schema) of a kind; KeyError for an unknown kind."""
    cls = CONNECTOR_KINDS.get(kind)
    if cls is not None:
        return cls.config_schema, cls.secrets_schema
    return _FALLBACK[kind]


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
