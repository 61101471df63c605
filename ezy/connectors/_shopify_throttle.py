"""Shopify's cost-based rate limit as the client sees it: a leaky bucket of query-cost points.

Every answer reports `extensions.cost.throttleStatus` (`maximumAvailable`, `currentlyAvailable`,
`restoreRate` points per second) and the query's `requestedQueryCost`. Before sending, the client
waits until the bucket has refilled enough for the query's cost as last seen, so a sync paces
itself instead of being refused; a `THROTTLED` answer (the first request knows nothing yet) waits
for the shortfall and tries again. A wait longer than `max_wait` is a failure, not a hang.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from ezy.connectors.base import ConnectorError

log = logging.getLogger("ezy.connectors.shopify")


class ThrottleNeverClears(ConnectorError):
    pass


class CostBucket:
    def __init__(self, *, max_wait: float = 60.0) -> None:
        self.max_wait = max_wait
        self._available: float | None = None
        self._maximum = 0.0
        self._rate = 0.0
        self._seen_at = 0.0
        self._costs: dict[str, float] = {}  # requestedQueryCost by operation
        self.waited = 0.0  # seconds spent pacing, for logs and benchmarks

    def record(self, operation: str, extensions: Mapping[str, Any] | None) -> None:
        cost = (extensions or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if cost.get("requestedQueryCost") is not None:
            self._costs[operation] = float(cost["requestedQueryCost"])
        if status:
            self._available = float(status["currentlyAvailable"])
            self._maximum = float(status["maximumAvailable"])
            self._rate = float(status["restoreRate"])
            self._seen_at = time.monotonic()

    def shortfall_wait(self, operation: str) -> float:
        """Seconds until the bucket holds the operation's cost (0 when unknown or enough)."""
        cost = self._costs.get(operation)
        if cost is None or self._available is None:
            return 0.0
        now = self._available + self._rate * (time.monotonic() - self._seen_at)
        if min(now, self._maximum) >= cost:
            return 0.0
        if self._rate <= 0 or cost > self._maximum:
            return float("inf")
        return (cost - now) / self._rate

    async def pace(self, operation: str) -> None:
        wait = self.shortfall_wait(operation)
        if wait <= 0:
            return
        if wait > self.max_wait:
            raise ThrottleNeverClears(
                f"Shopify's rate limit would need a {wait:.0f} s wait for {operation} "
                f"(more than {self.max_wait:g} s): giving up"
            )
        log.info("pacing %s for %.2f s (Shopify query cost)", operation, wait)
        self.waited += wait
        await asyncio.sleep(wait)
