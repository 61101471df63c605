"""The receiver's cache refreshes an entry in use before it expires: a steady stream of deliveries
never waits for a look-up, and what changed elsewhere is still seen within the TTL."""

from __future__ import annotations

import asyncio

import pytest

from ezy.webhooks.cache import TtlCache

# Guards against a hang if a caller did wait for a look-up that is held back; not a speed limit.
GUARD_SECONDS = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A look-up whose answers the test releases one by one."""

    def __init__(self) -> None:
        self.calls = 0
        self.answers: asyncio.Queue[str | Exception | None] = asyncio.Queue()

    async def load(self) -> str | None:
        self.calls += 1
        answer = await self.answers.get()
        if isinstance(answer, Exception):
            raise answer
        return answer


def cache_at(clock: Clock) -> TtlCache[str]:
    return TtlCache(ttl=5.0, refresh_ahead=1.0, clock=clock)


async def settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_entry_about_to_expire_is_answered_at_once_and_refreshed_behind() -> None:
    clock, source = Clock(), Source()
    cache = cache_at(clock)
    source.answers.put_nowait("v1")
    assert await cache.get_or_load("k", source.load) == "v1"

    clock.now += 4.5  # less than a second left: callers get v1 while v2 is looked up
    first = await asyncio.wait_for(cache.get_or_load("k", source.load), GUARD_SECONDS)
    again = await asyncio.wait_for(cache.get_or_load("k", source.load), GUARD_SECONDS)
    assert (first, again, source.calls) == ("v1", "v1", 2)  # one refresh, not one per caller

    source.answers.put_nowait("v2")
    await settled()
    clock.now += 1.0  # past v1's expiry; v2 was read at 4.5 and is not due for a refresh
    assert await asyncio.wait_for(cache.get_or_load("k", source.load), GUARD_SECONDS) == "v2"
    assert source.calls == 2


async def test_a_refresh_that_finds_nothing_drops_the_entry() -> None:
    clock, source = Clock(), Source()
    cache = cache_at(clock)
    source.answers.put_nowait("v1")
    await cache.get_or_load("k", source.load)
    clock.now += 4.5
    assert await cache.get_or_load("k", source.load) == "v1"
    source.answers.put_nowait(None)  # deleted or revoked since
    await settled()
    assert cache.get("k") is None
    source.answers.put_nowait(None)
    assert await cache.get_or_load("k", source.load) is None  # asked again, not answered from memory


async def test_a_failed_refresh_keeps_the_entry_until_it_expires() -> None:
    clock, source = Clock(), Source()
    cache = cache_at(clock)
    source.answers.put_nowait("v1")
    await cache.get_or_load("k", source.load)
    clock.now += 4.5
    await cache.get_or_load("k", source.load)
    source.answers.put_nowait(ConnectionError("database down"))
    await settled()
    assert cache.get("k") == "v1"
    clock.now += 0.6  # expired: the next caller waits for a look-up and sees its failure
    source.answers.put_nowait(ConnectionError("database down"))
    with pytest.raises(ConnectionError):
        await cache.get_or_load("k", source.load)


async def test_a_refresh_begun_before_a_clear_is_not_kept() -> None:
    clock, source = Clock(), Source()
    cache = cache_at(clock)
    source.answers.put_nowait("v1")
    await cache.get_or_load("k", source.load)
    clock.now += 4.5
    await cache.get_or_load("k", source.load)
    cache.clear()  # changed through this process meanwhile
    source.answers.put_nowait("stale")
    await settled()
    assert cache.get("k") is None


async def test_an_expired_entry_waits_for_its_look_up_once_for_all_callers() -> None:
    clock, source = Clock(), Source()
    cache = cache_at(clock)
    source.answers.put_nowait("v1")
    await cache.get_or_load("k", source.load)
    clock.now += 5.0
    waiting = [asyncio.ensure_future(cache.get_or_load("k", source.load)) for _ in range(3)]
    await settled()
    assert not any(w.done() for w in waiting)
    source.answers.put_nowait("v2")
    assert await asyncio.wait_for(asyncio.gather(*waiting), GUARD_SECONDS) == ["v2"] * 3
    assert source.calls == 2
