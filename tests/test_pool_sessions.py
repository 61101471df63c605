"""The ORM's pooled PostgreSQL connections are handed back without a reset query (`ezy.db`), yet a
transaction left open on one never reaches the next request that takes it, and a connection a
statement failed on without the server's answer is never handed out again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections

from ezy.runtime import Runtime
from ezy.tenants.models import Tenant
from tests.conftest import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's pool")


async def _pool_connections(client: Any) -> list[Any]:
    """Every connection of the pool at once: whichever the next query takes is among them."""
    size = client._pool.get_max_size()
    return [await client._pool.acquire() for _ in range(size)]


async def test_a_transaction_left_open_on_a_pooled_connection_is_rolled_back(runtime: Runtime) -> None:
    await Tenant.all().count()  # the pool opens on first use
    client = connections.get("default")
    held = await _pool_connections(client)
    for connection in held:
        await connection.execute("BEGIN")
        await connection.execute("CREATE TEMPORARY TABLE left_open (n int)")  # undone with it
    for connection in held:
        await client._pool.release(connection)

    for connection in await _pool_connections(client):
        try:
            status = await connection.fetchval("SELECT count(*) FROM pg_class WHERE relname = 'left_open'")
            assert status == 0
            assert not connection.is_in_transaction()
        finally:
            await client._pool.release(connection)
    await Tenant.all().count()  # and the ORM reads on as usual


async def _backend_pids(client: Any) -> set[int]:
    held = await _pool_connections(client)
    try:
        return {connection.get_server_pid() for connection in held}
    finally:
        for connection in held:
            await client._pool.release(connection)


async def test_a_connection_a_statement_timed_out_on_is_dropped_not_reused(runtime: Runtime) -> None:
    await Tenant.all().count()
    client = connections.get("default")
    with pytest.raises((TimeoutError, asyncio.TimeoutError, ConnectionResetError)):
        async with client.acquire_connection() as connection:
            dropped = connection.get_server_pid()
            await connection.fetch("SELECT pg_sleep(5)", timeout=0.05)
    assert dropped not in await _backend_pids(client)
    assert await Tenant.all().count() >= 0  # the ORM reads on, on another connection


@pytest.mark.parametrize(
    ("statement", "args"),
    [("SELECT 1 / 0", ()), ("SELECT $1::int", ("not a number",))],
    ids=["server error", "bad argument"],
)
async def test_a_connection_a_statement_failed_on_with_an_answer_is_kept(
    runtime: Runtime, statement: str, args: tuple[Any, ...]
) -> None:
    await Tenant.all().count()
    client = connections.get("default")
    with pytest.raises(Exception) as failure:
        async with client.acquire_connection() as connection:
            kept = connection.get_server_pid()
            await connection.fetch(statement, *args)
    assert not isinstance(failure.value, ConnectionResetError)
    assert kept in await _backend_pids(client)
