"""Outages of Redis or the database: what they look like, and waiting one out with backoff.

A long-lived role (worker, scheduler) must not end because Redis restarted or PostgreSQL failed
over: it logs one line when it loses a service, retries with exponential backoff (tenacity), and
logs one line when the service is back. Anything that is not an outage is a real failure and is
left to propagate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
import redis.exceptions
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter
from tortoise.exceptions import DBConnectionError

# Errors a restart, a failover or a network cut produce; OSError covers refused and reset sockets.
REDIS_DOWN: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError (a restarted Redis loading its data)
    redis.exceptions.TimeoutError,
    OSError,
    asyncio.TimeoutError,
)
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,  # "connection is closed" after the server went away
    OSError,
    asyncio.TimeoutError,
)
OUTAGE: tuple[type[BaseException], ...] = tuple(dict.fromkeys(REDIS_DOWN + DATABASE_DOWN))

# First retry after 0.2 s, doubling to at most 5 s, plus up to 0.5 s of jitter (many workers do not
# reconnect in step): a restarted service is used again within seconds, and a long outage costs one
# connection attempt every few seconds.
INITIAL_BACKOFF, MAX_BACKOFF, JITTER = 0.2, 5.0, 0.5


def is_redis_outage(exc: BaseException) -> bool:
    """A Redis outage, also as redis-py reports one inside a WATCHed transaction (a `WatchError`
    raised while handling the lost connection, as arq's job pick-up sees it)."""
    if isinstance(exc, REDIS_DOWN):
        return True
    cause = exc.__cause__ or exc.__context__
    return isinstance(exc, redis.exceptions.WatchError) and cause is not None and is_redis_outage(cause)


def describe(exc: BaseException) -> str:
    """The exception's class and message, one line (driver messages carry no credentials)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


async def wait_out(
    check: Callable[[], Awaitable[object]],
    *,
    what: str,
    log: logging.Logger,
    cause: BaseException | None = None,
    max_backoff: float = MAX_BACKOFF,
) -> bool:
    """Returns once `check()` succeeds, retrying outages with backoff; other errors propagate.

    True when there was an outage to wait out (the lost and back lines were logged).

    `cause`: the error that revealed the outage (it is logged as the lost line). Without it, a check
    that succeeds at once logs nothing: a service that was never down needs no line.
    """
    started = time.monotonic()
    if cause is not None:
        log.error("%s lost (%s); retrying with backoff", what, describe(cause))
    else:
        try:
            await check()
            return False
        except OUTAGE as exc:
            log.error("%s unreachable (%s); retrying with backoff", what, describe(exc))

    def before_sleep(state: object) -> None:
        outcome = getattr(state, "outcome", None)
        error = outcome.exception() if outcome is not None else None
        delay = getattr(getattr(state, "next_action", None), "sleep", 0.0)
        log.debug("%s still down (%s); next try in %.1f s", what, describe(error or Exception()), delay)

    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(OUTAGE),
        wait=wait_exponential_jitter(initial=INITIAL_BACKOFF, max=max_backoff, jitter=JITTER),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with attempt:
            await check()
    log.warning("%s is back after %.1f s", what, time.monotonic() - started)
    return True
