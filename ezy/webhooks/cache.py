"""A short-lived in-process cache for the receiver: endpoints (with their instance's state and the
decrypted secret) and the API keys senders authenticate with.

Entries live `TTL_SECONDS`. A change made through this process (an endpoint written or deleted, an
instance activated or deactivated, a key revoked or rotated) clears them at once; a change made in
another API process is seen here within `TTL_SECONDS` at most. Only successful look-ups are kept, so
an unknown endpoint or key always costs a query (and cannot fill the cache). Concurrent misses of one
key share a single look-up: a burst on a cold cache costs one query, not one per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[str, tuple[float, V]] = {}
        self._loading: dict[str, asyncio.Future[V | None]] = {}
        self._generation = 0  # bumped by `clear`: a look-up begun before must not store its result

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: str, value: V, ttl: float | None = None) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a crude bound: refilling costs one query per entry
        self._entries[key] = (time.monotonic() + (self.ttl if ttl is None else ttl), value)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, else `load()`'s (kept unless None), shared with concurrent callers."""
        hit = self.get(key)
        if hit is not None:
            return hit
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(load())
            self._loading[key] = pending
            generation = self._generation

            def loaded(done: asyncio.Future[V | None]) -> None:
                self._loading.pop(key, None)
                if done.cancelled() or done.exception() is not None:
                    return
                value = done.result()
                if value is not None and generation == self._generation:
                    self.put(key, value)

            pending.add_done_callback(loaded)
        return await asyncio.shield(pending)

    def clear(self) -> None:
        self._entries.clear()
        self._generation += 1


_caches: list[TtlCache[object]] = []


def new_cache() -> TtlCache[V]:
    cache: TtlCache[V] = TtlCache()
    _caches.append(cache)  # type: ignore[arg-type]
    return cache


def invalidate() -> None:
    """Something the receiver caches changed in this process: forget everything (changes are rare)."""
    for cache in _caches:
        cache.clear()
