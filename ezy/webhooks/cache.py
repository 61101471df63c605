"""A short-lived in-process cache for the receiver: endpoints (with their instance's state and the
decrypted secret) and the API keys senders authenticate with.

Entries live `TTL_SECONDS`. A change made through this process (an endpoint written or deleted, an
instance activated or deactivated, a key revoked or rotated) clears them at once; a change made in
another API process is seen here within `TTL_SECONDS` at most. Only successful look-ups are kept, so
an unknown endpoint or key always costs a query (and cannot fill the cache). Concurrent misses of one
key share a single look-up: a burst on a cold cache costs one query, not one per request.

An entry in use is looked up again in the background once it has less than `REFRESH_AHEAD_SECONDS`
to live, and replaced when that look-up ends: a busy endpoint never waits for its expiry (every
request arriving during the look-up would, and a steady stream of deliveries would see that stall
every `TTL_SECONDS`). A refresh that finds nothing (the endpoint deleted, the key revoked) drops the
entry; one that fails (the database down) leaves it to expire as it would have.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

TTL_SECONDS = 5.0
REFRESH_AHEAD_SECONDS = 1.0
MAX_ENTRIES = 10_000

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    expires_at: float
    refresh_at: float
    value: V


class TtlCache(Generic[V]):
    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        *,
        refresh_ahead: float = REFRESH_AHEAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl, self.max_entries, self.refresh_ahead = ttl, max_entries, refresh_ahead
        self._clock = clock
        self._entries: dict[str, _Entry[V]] = {}
        self._loading: dict[str, asyncio.Future[V | None]] = {}
        self._generation = 0  # bumped by `clear`: a look-up begun before must not store its result

    def get(self, key: str) -> V | None:
        entry = self._live(key)
        return entry.value if entry is not None else None

    def _live(self, key: str) -> _Entry[V] | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry

    def put(self, key: str, value: V, ttl: float | None = None) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a crude bound: refilling costs one query per entry
        now, ttl = self._clock(), self.ttl if ttl is None else ttl
        self._entries[key] = _Entry(now + ttl, now + ttl - self.refresh_ahead, value)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, else `load()`'s (kept unless None), shared with concurrent callers."""
        entry = self._live(key)
        if entry is not None:
            if entry.refresh_at <= self._clock() and key not in self._loading:
                self._load(key, load)  # in the background: this caller does not wait for it
            return entry.value
        pending = self._loading.get(key) or self._load(key, load)
        return await asyncio.shield(pending)

    def _load(self, key: str, load: Callable[[], Awaitable[V | None]]) -> asyncio.Future[V | None]:
        pending = asyncio.ensure_future(load())
        self._loading[key] = pending  # also the strong reference a background look-up needs
        generation = self._generation

        def loaded(done: asyncio.Future[V | None]) -> None:
            if self._loading.get(key) is done:
                del self._loading[key]
            if done.cancelled() or done.exception() is not None or generation != self._generation:
                return  # a failed refresh leaves the entry to expire
            value = done.result()
            if value is None:
                self._entries.pop(key, None)  # gone since it was cached: stop answering with it
            else:
                self.put(key, value)

        pending.add_done_callback(loaded)
        return pending

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
