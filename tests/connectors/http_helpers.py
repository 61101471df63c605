"""An `http` connector pointed at the fake REST API, with retries fast enough for tests."""

from __future__ import annotations

from typing import Any

from ezy.connectors.base import Page
from ezy.connectors.http import HttpConnector
from tests.fakes.rest_api import RestApi

FAST_RETRIES = {"attempts": 3, "initialDelaySeconds": 0.01, "maxDelaySeconds": 0.05}


def http_config(api: RestApi, **config: Any) -> dict[str, Any]:
    return {"baseUrl": api.base_url, "timeoutSeconds": 2, "retries": FAST_RETRIES, **config}


def connector(api: RestApi, secrets: dict[str, Any] | None = None, **config: Any) -> HttpConnector:
    return HttpConnector(http_config(api, **config), secrets or {}, allow_private_networks=True)


async def read_all(source: HttpConnector, resource: str, **kwargs: Any) -> list[Page]:
    try:
        return [page async for page in source.read(resource, **kwargs)]
    finally:
        await source.close()
