"""An `http` connector pointed at the fake REST API, with retries fast enough for tests."""

from __future__ import annotations

from typing import Any

from ezy.connectors.base import Page
from ezy.connectors.http import HttpConnector
from tests.fakes.rest_api import RestApi

FAST_RETRIES = {"attempts": 3, "initialDelaySeconds": 0.01, "maxDelaySeconds": 0.05}


def http_config(api: RestApi, **config: Any) -> dict[str, Any]:
    return {"baseUrl": api.base_url, "timeoutSeconds": 2, "retries": FAST_RETRIES, **config}


def bearer_profile(api: RestApi, token: str, **config: Any) -> dict[str, Any]:
    """A profile body for an `http` source on the fake API: bearer auth, paged by `per_page`."""
    return {
        "kind": "http",
        "config": http_config(
            api,
            **{
                "auth": {"type": "bearer"},
                "pagination": {"type": "page", "sizeParam": "per_page"},
                "recordsPath": "data",
                **config,
            },
        ),
        "secrets": {"token": token},
    }


def connector(api: RestApi, secrets: dict[str, Any] | None = None, **config: Any) -> HttpConnector:
    return HttpConnector(http_config(api, **config), secrets or {}, allow_private_networks=True)


async def read_all(source: HttpConnector, resource: str, **kwargs: Any) -> list[Page]:
    try:
        return [page async for page in source.read(resource, **kwargs)]
    finally:
        await source.close()
