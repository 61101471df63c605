"""Tortoise set-up and aerich migrations, shared by the API, the worker, the scheduler and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


async def _session_kept(connection: Any) -> None:
    """A pooled connection handed back keeps its session: no reset query (a round trip per query).

    asyncpg still rolls back a transaction left open and drops listeners before calling this. The
    rest of what its default reset undoes never happens on the ORM's pool: nothing sets session
    variables, takes advisory locks (instance locks are Redis locks, `ezy.locks`), LISTENs or keeps
    cursors on it; the PostgreSQL connector's temporary tables live on its own connections
    (`ezy.connectors.postgres`), and benchmarks that SET do it on theirs. Keep it that way: state
    set on a pooled connection would reach whichever request takes that connection next.
    """


def _connection(url: str) -> str | dict[str, Any]:
    url = _with_pool_size(normalize_url(url))
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    if config["engine"] == "tortoise.backends.asyncpg":
        config["credentials"]["reset"] = _session_kept
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
