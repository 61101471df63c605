"""Connection tests: the address policy, a time limit, and a detail that never quotes a secret."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from ezy.connections.kinds import hosts
from ezy.connectors.base import ConnectionTestResult, ConnectorError
from ezy.connectors.registry import open_connector
from ezy.netguard import BlockedAddress, UnresolvableHost, ensure_public

log = logging.getLogger("ezy.connections")
TEST_TIMEOUT_SECONDS = 10.0


async def run_test(
    kind: str, config: Mapping[str, Any], secrets: Mapping[str, Any], allow_private: bool
) -> ConnectionTestResult:
    started = time.perf_counter()
    try:
        await check_hosts(kind, config, allow_private)
        result = await asyncio.wait_for(_connect(kind, config, secrets, allow_private), TEST_TIMEOUT_SECONDS)
    except (BlockedAddress, UnresolvableHost) as exc:
        result = ConnectionTestResult(False, _ms(started), f"refused: {exc}")
    except TimeoutError:
        result = ConnectionTestResult(False, _ms(started), f"timed out after {TEST_TIMEOUT_SECONDS:g} s")
    except ConnectorError as exc:
        result = ConnectionTestResult(False, _ms(started), str(exc))
    except Exception as exc:  # a connector bug is still a failed test, not a 500
        log.warning("connection test of kind %s raised %s", kind, type(exc).__name__)
        result = ConnectionTestResult(False, _ms(started), f"connection test failed: {type(exc).__name__}")
    return ConnectionTestResult(result.ok, result.latency_ms, redact(result.detail, secrets))


async def check_hosts(kind: str, config: Mapping[str, Any], allow_private: bool) -> None:
    """Refuses (BlockedAddress, UnresolvableHost) before any connector is built for the profile."""
    for host, port in hosts(kind, config):
        await ensure_public(host, port, allow_private=allow_private)


async def _connect(
    kind: str, config: Mapping[str, Any], secrets: Mapping[str, Any], allow_private: bool
) -> ConnectionTestResult:
    connector = open_connector(kind, config, secrets, allow_private_networks=allow_private)
    try:
        return await connector.test()
    finally:
        await connector.close()


def redact(text: str, secrets: Mapping[str, Any]) -> str:
    """Drivers may echo what they were given; no secret value leaves in a test detail."""
    for value in secrets.values():
        if isinstance(value, str) and value:
            text = text.replace(value, "***")
    return text


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
