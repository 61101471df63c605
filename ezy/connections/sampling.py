"""A few records read through a profile, for a mapping preview: the first page only, bounded, read-only.

The connector is built as a connection test builds it (decrypted secrets, the deployment's address
policy, closed afterwards). One page of `limit` records is asked for and the read stops there, so no
cursor moves and nothing is written. Each failure is an error a client can act on, in words that
never quote a secret:

    the profile's host is private and this deployment refuses those    ValidationFailed (422)
    an unknown resource, for kinds that list theirs                    ValidationFailed at /resource (422)
    the remote refused, failed, could not be reached or was too slow   RemoteFailed (502)

An `http` source cannot list its paths, so a path the API does not know is its own 404, answered
as a RemoteFailed that quotes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from ezy.connections.contracts import MAX_SAMPLE_BYTES
from ezy.connections.kinds import declaration
from ezy.connections.testing import TEST_TIMEOUT_SECONDS, check_hosts, redact
from ezy.connectors.base import Connector, ConnectorError, Page
from ezy.connectors.registry import open_connector
from ezy.errors import EzyError, RemoteFailed, ValidationFailed, invalid
from ezy.jsonenc import encode
from ezy.netguard import BlockedAddress, UnresolvableHost

log = logging.getLogger("ezy.connections")
# The whole sample (address checks, connecting, the page, closing) as long as a connection test.
SAMPLE_TIMEOUT_SECONDS = TEST_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class Sample:
    records: list[Any]
    truncated: bool  # records were left out to stay under MAX_SAMPLE_BYTES


async def read_sample(
    kind: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, Any],
    resource: str,
    limit: int,
    allow_private: bool,
) -> Sample:
    """At most `limit` records of `resource`'s first page; raises ValidationFailed or RemoteFailed."""
    try:
        async with asyncio.timeout(SAMPLE_TIMEOUT_SECONDS):
            records = await _read(kind, config, secrets, resource, limit, allow_private)
    except EzyError:
        raise
    except TimeoutError:
        raise RemoteFailed(
            f"reading {resource!r} did not finish within {SAMPLE_TIMEOUT_SECONDS:g} s"
        ) from None
    except BlockedAddress as exc:
        raise ValidationFailed(redact(f"refused: {exc}", secrets)) from None
    except (UnresolvableHost, ConnectorError) as exc:
        raise RemoteFailed(redact(str(exc), secrets)) from None
    except Exception as exc:  # a connector bug: still the source failing, not a 500
        log.warning("sampling a profile of kind %s raised %s", kind, type(exc).__name__)
        raise RemoteFailed(f"reading {resource!r} failed: {type(exc).__name__}") from None
    return capped(records[:limit])


async def _read(
    kind: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, Any],
    resource: str,
    limit: int,
    allow_private: bool,
) -> list[Any]:
    await check_hosts(kind, config, allow_private)
    config = declaration(kind).sample_config(config)
    connector = open_connector(kind, config, secrets, allow_private_networks=allow_private)
    try:
        try:
            return await first_page(connector, resource, limit)
        except ConnectorError:
            known = await _resource_names(connector)
            if known and resource not in known:
                raise invalid("/resource", f"unknown resource {resource!r}; one of {_some(known)}") from None
            raise
    finally:
        await connector.close()


async def first_page(connector: Connector, resource: str, limit: int) -> list[Any]:
    """The records of the first page a read answers, the read then closed (no second page asked for)."""
    pages = cast(AsyncGenerator[Page, None], connector.read(resource, batch_size=limit))
    async with contextlib.aclosing(pages):
        async for page in pages:
            return page.records
    return []


async def _resource_names(connector: Connector) -> list[str]:
    """The names a kind lists (none for an http source); none when listing fails as well."""
    try:
        return [r.name for r in await connector.list_resources()]
    except ConnectorError:
        return []


def _some(names: list[str], shown: int = 20) -> str:
    """The names a message can carry (a database may have hundreds of tables)."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def capped(records: list[Any]) -> Sample:
    """The leading records whose JSON fits in MAX_SAMPLE_BYTES (what the preview box would hold)."""
    size = 2  # the brackets
    for count, record in enumerate(records):
        size += len(encode(record)) + 1
        if size > MAX_SAMPLE_BYTES:
            return Sample(records[:count], truncated=True)
    return Sample(records, truncated=False)
