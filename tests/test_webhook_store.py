"""Deliveries arriving together are committed together, and each caller gets its own answer; the
receiver keeps storing deliveries after PostgreSQL dropped the connection it writes with."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from ezy.runtime import Runtime
from ezy.timefmt import utcnow
from ezy.webhooks import store as store_module
from ezy.webhooks.store import NewDelivery
from tests.conftest import TestTenant, on_postgres
from tests.test_webhook_receiver import deliveries, endpoint

TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def waiting_on_the_lock(admin: asyncpg.Connection) -> None:
    for _ in range(1000):
        if await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the write never reached the lock")


async def send(client: httpx.AsyncClient, url: str, tenant: TestTenant, i: int) -> httpx.Response:
    return await client.post(url, json={"id": i}, headers={**tenant.headers, "webhook-id": f"s-{i}"})


async def test_concurrent_deliveries_are_each_stored_once_with_their_own_id(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    answers = await asyncio.gather(*(send(client, url, tenant, i % 40) for i in range(60)))
    assert {a.status_code for a in answers} == {202}
    stored = {str(d.id): d for d in await deliveries(url)}
    assert sorted(stored) == sorted(a.json()["messageId"] for a in answers)
    by_status = [d.status for d in stored.values()]
    assert (by_status.count("accepted"), by_status.count("duplicate")) == (40, 20)
    # Sent at once, a repeat may be stored before the delivery it repeats: of each id's two
    # deliveries one is accepted and the other a duplicate, each answered 202 with its own id.
    for i in range(20):
        pair = [stored[answers[j].json()["messageId"]].status for j in (i, i + 40)]
        assert sorted(pair) == ["accepted", "duplicate"]


@pytest.mark.skipif(not on_postgres(), reason="PostgreSQL: its connections can be terminated")
async def test_deliveries_after_the_writers_connection_was_terminated_mid_write_are_stored(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    dsn = runtime.settings.database_url.replace("postgres://", "postgresql://", 1).split("?")[0]
    admin = await asyncpg.connect(dsn)
    try:
        # The table locked: the first write waits on the lock, deliveries arriving meanwhile queue.
        locked = admin.transaction()
        await locked.start()
        await admin.execute("LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE")
        first = asyncio.ensure_future(send(client, url, tenant, 0))
        await waiting_on_the_lock(admin)
        queued = [asyncio.ensure_future(send(client, url, tenant, i)) for i in range(1, 20)]
        await asyncio.sleep(0.05)
        await admin.fetchval(TERMINATE)  # the writer's connection among them
        await locked.rollback()
        answers = [await first, *await asyncio.gather(*queued)]
        later = [await send(client, url, tenant, i) for i in range(20, 23)]
    finally:
        await admin.close()
    # An outage is a 503 to retry, never a 500 nor a hang; whatever was acknowledged is stored.
    assert answers[0].status_code == 503
    assert {a.status_code for a in answers} <= {202, 503}
    assert [a.status_code for a in later] == [202] * 3
    stored = {str(d.id) for d in await deliveries(url)}
    assert {a.json()["messageId"] for a in [*answers, *later] if a.status_code == 202} <= stored


async def test_a_payload_is_stored_as_sent_whatever_its_numbers_and_characters(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime, provider="generic")
    # An integer past 64 bits only on PostgreSQL: the ORM's JSON encoder (SQLite's path) refuses it.
    big = 2**70 if on_postgres() else 2**60
    body = f'{{"big": {big}, "small": -1.5e-7, "name": "Zo\u00eb \\u2603", "nested": [{{"a": null}}]}}'
    answer = await client.post(url, content=body.encode(), headers=tenant.headers)
    assert answer.status_code == 202
    [stored] = await deliveries(url)
    expected = {"big": big, "small": -1.5e-7, "name": "Zo\u00eb \u2603", "nested": [{"a": None}]}
    assert stored.payload == expected


def _row(n: int) -> NewDelivery:
    return NewDelivery(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        endpoint_id=uuid.uuid4(),
        received_at=utcnow(),
        topic=None,
        external_id=str(n),
        payload={"n": n},
        status="accepted",
    )


def _failing_first(times: int, error: Exception) -> tuple[list[list[NewDelivery]], Any]:
    """An insert that refuses `times` times as asyncpg does before sending, then stores."""
    stored: list[list[NewDelivery]] = []

    async def insert(rows: list[NewDelivery]) -> set[uuid.UUID]:
        if len(stored) < times:
            stored.append([])
            raise store_module._NotSent() from error
        stored.append(rows)
        return {row.id for row in rows}

    return stored, insert


async def test_a_batch_refused_before_sending_goes_again_and_each_caller_gets_its_answer() -> None:
    loop = asyncio.get_running_loop()
    writer = store_module._Writer()
    rows = [_row(n) for n in range(3)]
    writer.waiting = [(row, loop.create_future()) for row in rows]
    futures = [done for _, done in writer.waiting]
    stored, insert = _failing_first(2, asyncpg.InternalClientError("cannot switch to state 5"))
    for _ in range(2):  # each refusal puts the batch back first, for the next connection
        assert await store_module._write_batch(writer, insert) is False
        assert [row for row, _ in writer.waiting] == rows and not any(f.done() for f in futures)
    assert await store_module._write_batch(writer, insert) is True
    assert [f.result() for f in futures] == [None, None, None]
    assert [len(batch) for batch in stored] == [0, 0, 3]  # stored once


async def test_a_batch_refused_on_every_connection_is_answered_with_the_error() -> None:
    loop = asyncio.get_running_loop()
    writer = store_module._Writer()
    writer.waiting = [(_row(0), loop.create_future())]
    (done,) = [d for _, d in writer.waiting]
    refusal = asyncpg.InterfaceError("cannot perform operation: connection is closed")
    _, insert = _failing_first(store_module.UNSENT_RETRIES + 1, refusal)
    while not done.done():
        assert await store_module._write_batch(writer, insert) is False
    assert done.exception() is refusal and writer.waiting == []


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (asyncpg.InternalClientError("cannot switch to state 5; another operation (9) is in progress"), True),
        (asyncpg.InterfaceError("cannot perform operation: connection is closed"), True),
        (asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"), False),
        (asyncpg.exceptions._base.DataError("invalid input for query argument $1"), False),
        (asyncpg.UniqueViolationError("duplicate key"), False),
    ],
    ids=["out of step", "closed before sending", "lost mid-statement", "bad argument", "server error"],
)
def test_only_a_statement_refused_before_sending_may_go_again(error: Exception, again: bool) -> None:
    assert store_module._refused_before_sending(error) is again
