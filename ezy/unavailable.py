"""Which failures mean "the database or the job queue cannot be reached right now" (503, retry later).

An unreachable, restarting or overloaded backend is not the client's fault nor a bug: REST answers
`503` with `Retry-After` and GraphQL the same status (see `schema.extensions`), so that clients and
load balancers retry instead of reporting an error. The exception itself, or any exception in its
`__cause__` / `__context__` chain (Tortoise wraps the driver's), decides.
"""

from __future__ import annotations

import socket
import sqlite3

import asyncpg.exceptions as pg
import redis.exceptions
from tortoise.exceptions import DBConnectionError

from ezy.errors import ServiceUnavailable

# Seconds a client is told to wait: a pool reconnects, a Redis or PostgreSQL restarts, in seconds.
RETRY_AFTER = 5

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe (PostgreSQL, Redis, or anything on a socket)
    TimeoutError,  # also asyncio's: a pool that cannot hand out a connection in time
    socket.gaierror,
    DBConnectionError,
    pg.PostgresConnectionError,  # SQLSTATE 08: connection gone, cannot be made
    pg.OperatorInterventionError,  # 57: terminated by an administrator, server shutting down
    pg.InsufficientResourcesError,  # 53: too many connections, out of memory or disk
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Driver errors that also stand for bugs: only these messages mean the backend went away.
_BY_MESSAGE: tuple[tuple[type[BaseException], tuple[str, ...]], ...] = (
    (pg.InterfaceError, ("connection is closed", "pool is closing", "pool is closed")),
    # A connection the server terminated mid-query, still consuming the FATAL error when reused or
    # reset; the pool terminates and replaces it.
    (pg.InternalClientError, ("cannot switch to state",)),
    (pg.ObjectNotInPrerequisiteStateError, ("not currently accepting connections",)),  # maintenance
    (sqlite3.OperationalError, ("database is locked", "unable to open database", "disk i/o error")),
)


def is_unavailable(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        message = str(current).lower()
        for kind, phrases in _BY_MESSAGE:
            if isinstance(current, kind) and any(phrase in message for phrase in phrases):
                return True
        current = current.__cause__ or current.__context__
    return False


def unavailable_error() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database or the job queue cannot be reached right now; "
        "retry after the number of seconds in Retry-After.",
        retry_after=RETRY_AFTER,
    )
