"""Tortoise set-up and aerich migrations, shared by the API, the worker, the scheduler and the CLI."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import asyncpg
from aerich import Command
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

MODEL_MODULES = [
    "ezy.tenants.models",
    "ezy.connections.models",
    "ezy.mappings.models",
    "ezy.instances.models",
    "ezy.schedules.models",
    "ezy.runs.models",
    "ezy.dlq.models",
    "ezy.webhooks.models",
    "ezy.idempotency.models",
    "ezy.audit.models",
]
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


# A worker runs up to 10 jobs at once and the API serves concurrent requests: Tortoise's default
# pool of 5 connections would queue them. Overridable with `?maxsize=` in the URL.
DEFAULT_POOL_MAXSIZE = 20


def normalize_url(url: str) -> str:
    """Accept the libpq spelling `postgresql://` as well as Tortoise's `postgres://`."""
    if url.startswith("postgresql://"):
        return "postgres://" + url.removeprefix("postgresql://")
    return url


def _with_pool_size(url: str) -> str:
    if url.startswith("postgres://") and "maxsize=" not in url:
        return url + ("&" if "?" in url else "?") + f"maxsize={DEFAULT_POOL_MAXSIZE}"
    return url


# An argument asyncpg could not encode: raised before anything is sent (not `asyncpg.DataError`, a
# PostgreSQL error class of the same name).
ArgumentError = asyncpg.exceptions._base.DataError

# Pooled connections a statement failed on without the server's answer (see `_watch_failures`).
_out_of_step: weakref.WeakSet[Any] = weakref.WeakSet()


async def _watch_failures(connection: Any) -> None:
    """Marks the connection when a statement on it fails other than by the server's answer.

    Such a connection can be left open yet out of step with the server (an idle one the server
    terminated: asyncpg takes the unasked-for FATAL error as a protocol error and, until it sees
    the socket close, refuses every later statement with "cannot switch to state"). asyncpg's
    reset query used to find that out and drop it; without one (`_session_kept`) the pool would
    hand it to request after request. A PostgreSQL error and
    a bad argument (`DataError`, raised before anything is sent) leave the connection in step.
    """
    ref = weakref.ref(connection)

    def note(query: Any) -> None:
        failure, marked = query.exception, ref()
        if marked is None or failure is None or not isinstance(failure, Exception):
            return  # a cancelled statement is waited for by asyncpg, not dropped
        if not isinstance(failure, asyncpg.PostgresError | ArgumentError):
            _out_of_step.add(marked)

    connection.add_query_logger(note)


async def _session_kept(connection: Any) -> None:
    """A pooled connection handed back keeps its session: no reset query (a round trip per query).

    asyncpg still rolls back a transaction left open and drops listeners before calling this. The
    rest of what its default reset undoes never happens on the ORM's pool: nothing sets session
    variables, takes advisory locks (instance locks are Redis locks, `ezy.locks`), LISTENs or keeps
    cursors on it; the PostgreSQL connector's temporary tables live on its own connections
    (`ezy.connectors.postgres`), and benchmarks that SET do it on theirs. Keep it that way: state
    set on a pooled connection would reach whichever request takes that connection next.
    A connection a statement failed on without the server's answer is dropped instead: raising
    here makes asyncpg terminate it, and the pool opens a new one when it is next needed.
    """
    if connection in _out_of_step:
        raise ConnectionResetError("dropped a database connection a statement failed on")


def _connection(url: str) -> str | dict[str, Any]:
    url = _with_pool_size(normalize_url(url))
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    if config["engine"] == "tortoise.backends.asyncpg":
        config["credentials"]["reset"] = _session_kept
        config["credentials"]["init"] = _watch_failures
    return config


def tortoise_config(database_url: str, *, with_aerich: bool = True) -> dict[str, Any]:
    modules = [*MODEL_MODULES, "aerich.models"] if with_aerich else list(MODEL_MODULES)
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {"models": {"models": modules, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def is_postgres(database_url: str) -> bool:
    return normalize_url(database_url).startswith("postgres://")


async def init_db(database_url: str) -> None:
    # The global fallback makes the ORM visible to request handlers and worker jobs, which run
    # in tasks that do not inherit the lifespan's context variables.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> list[str]:
    """Apply every committed migration not yet applied; returns the names applied."""
    async with Command(
        tortoise_config=tortoise_config(database_url), app="models", location=str(MIGRATIONS_DIR)
    ) as command:
        await command.init()
        return await command.upgrade(run_in_transaction=True)
