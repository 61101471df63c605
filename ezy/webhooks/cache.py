"""A short-lived in-process cache for the receiver: endpoints (with their instance's state and the
decrypted secret) and the API keys senders authenticate with.

Entries live `TTL_SECONDS`. A change made through this process (an endpoint written or deleted, an
instance activated or deactivated, a key revoked or rotated) clears them at once; a change made in
another API process is seen here within `TTL_SECONDS` at most. Only successful look-ups are kept, so
an unknown endpoint or key always costs a query (and cannot fill the cache).
"""

from __future__ import annotations

import time
from typing import Generic, TypeVar

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[str, tuple[float, V]] = {}

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

    def clear(self) -> None:
        self._entries.clear()


_caches: list[TtlCache[object]] = []


def new_cache() -> TtlCache[V]:
    cache: TtlCache[V] = TtlCache()
    _caches.append(cache)  # type: ignore[arg-type]
    return cache


def invalidate() -> None:
    """Something the receiver caches changed in this process: forget everything (changes are rare)."""
    for cache in _caches:
        cache.clear()
