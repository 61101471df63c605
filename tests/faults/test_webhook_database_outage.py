"""PostgreSQL connections terminated again and again during a burst of webhook deliveries to a real
`ezy serve` (with a real `ezy worker` and `ezy scheduler` draining them), then the database refusing
connections for a while.

The senders behave like Shopify: an answer other than 2xx is tried again with the same webhook id
until it is acknowledged. Every answer must be a 2xx or a `503` problem+json with `Retry-After`
(never a 500, never a dropped connection); every acknowledged id must end `processed` exactly once
(a repeat is stored as `duplicate`), counted once by the run that took it; nobody restarts anything.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from ezy.db import normalize_url
from tests.conftest import TEST_DATABASE_URL, on_postgres
from tests.faults.conftest import Ezy, free_port
from tests.faults.test_redis_outage import TERMINAL, _active_instances, _all, _created, _ready

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not on_postgres(), reason="needs PostgreSQL: SQLite has no server connections to terminate"
    ),
]
TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
SENDERS = 12
RETRY_DELAY = 0.1  # the test's senders do not wait out Retry-After's 5 s


def _dsn(url: str) -> str:
    return urlunsplit(urlsplit(normalize_url(url))._replace(scheme="postgresql"))


@asynccontextmanager
async def refusing_connections(database_url: str) -> AsyncIterator[None]:
    """The database refuses new connections, and those it had are terminated."""
    name = urlsplit(normalize_url(database_url)).path.lstrip("/")
    owner = await asyncpg.connect(_dsn(TEST_DATABASE_URL))
    try:
        await owner.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await owner.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        yield
    finally:
        await owner.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await owner.close()


@dataclass
class Senders:
    """Clients that send deliveries, each id until it is acknowledged, and judge every answer."""

    client: httpx.AsyncClient
    url: str
    ids: itertools.count[int] = field(default_factory=itertools.count)
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def sender(self) -> None:
        while not self.stop.is_set():
            n = next(self.ids)
            record = {"id": n, "title": f"item {n}", "variants": [{"price": "9.50"}]}
            deadline = time.monotonic() + 60
            while f"d-{n}" not in self.acknowledged:
                assert time.monotonic() < deadline, f"delivery {n} was never acknowledged"
                await self.send(f"d-{n}", record)

    async def send(self, webhook_id: str, record: dict[str, Any]) -> None:
        try:
            response = await self.client.post(self.url, json=record, headers={"webhook-id": webhook_id})
        except httpx.HTTPError as exc:  # a dropped connection, a reset, a timeout
            self.wrong.append(f"transport: {exc!r}")
            await asyncio.sleep(RETRY_DELAY)
            return
        self.statuses[response.status_code] += 1
        if response.status_code == 202:
            self.acknowledged.add(webhook_id)
            return
        if response.status_code != 503:
            self.wrong.append(f"{response.status_code}: {response.text[:300]}")
        elif not response.headers.get("retry-after", "").isdigit():
            self.wrong.append("503 without Retry-After")
        elif response.headers.get("content-type") != "application/problem+json":
            self.wrong.append(f"503 without problem+json: {response.text[:300]}")
        await asyncio.sleep(RETRY_DELAY)

    def sent(self) -> int:
        return sum(self.statuses.values())


async def _settled(client: httpx.AsyncClient, endpoint_id: str, ids: int) -> list[dict[str, Any]]:
    """The endpoint's deliveries once every acknowledged one is settled and no run is left open."""
    deadline = time.monotonic() + 90  # generous: CI shares two cores with the whole suite
    while True:
        received = await _all(client, f"/webhook-endpoints/{endpoint_id}/deliveries")
        runs = await _all(client, "/sync-logs")
        open_ = [d for d in received if d["status"] == "accepted"]
        if len(received) >= ids and not open_ and all(r["status"] in TERMINAL for r in runs):
            return received
        assert time.monotonic() < deadline, (len(received), len(open_), [r["status"] for r in runs])
        await asyncio.sleep(0.25)


async def test_connections_terminated_during_a_webhook_burst_lose_nothing_and_answer_503(
    ezy: Ezy, fault_database_url: str
) -> None:
    key = ezy.tenant_key()
    port = free_port()
    api = ezy.start("api", "serve", EZY_PORT=str(port))
    worker = ezy.start("worker", "worker")
    scheduler = ezy.start("scheduler", "scheduler")
    auth = {"Authorization": f"ApiKey {key}"}
    admin = await asyncpg.connect(_dsn(fault_database_url))
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as client:
        await _ready(client)
        [instance] = await _active_instances(client, 1)
        body = {"instanceId": instance, "provider": "generic"}
        endpoint = await _created(client, "/webhook-endpoints", body)
        load = Senders(client, f"/api/v1/webhooks/{endpoint['id']}")
        senders = [asyncio.create_task(load.sender()) for _ in range(SENDERS)]
        try:
            await asyncio.sleep(0.5)
            for _ in range(25):  # connections cut under load: the pools reconnect
                await admin.execute(TERMINATE)
                await asyncio.sleep(0.08)
            before = load.statuses[503]
            async with refusing_connections(fault_database_url):  # the database away for a while
                await asyncio.sleep(2)
                refused = load.statuses[503] - before
            await asyncio.sleep(1.5)  # back: sending on, the API recovers by itself
        finally:
            load.stop.set()
            await asyncio.gather(*senders)
            await admin.close()

        assert load.wrong == [], load.wrong[:5]
        assert refused > 0, load.statuses  # while the database was away the API said so
        assert len(load.acknowledged) > 20, load.statuses  # a burst, even on a busy machine
        received = await _settled(client, endpoint["id"], len(load.acknowledged))
        runs = {r["id"]: r for r in await _all(client, "/sync-logs") if r["trigger"] == "webhook"}
        assert (await client.get("/readyz")).status_code == 200

    assert api.poll() is None and worker.poll() is None and scheduler.poll() is None, ezy.log("worker")
    assert "crashed" not in ezy.log("worker")  # an outage is waited out, not taken for a bug
    # A request whose INSERT committed but whose answer was lost is stored: its retry is a duplicate.
    firsts = [d for d in received if d["status"] != "duplicate"]
    assert sorted(d["externalId"] for d in firsts) == sorted(load.acknowledged)
    failed = [d["error"] for d in firsts if d["status"] != "processed"]
    assert Counter(d["status"] for d in firsts) == {"processed": len(load.acknowledged)}, failed[:3]
    assert all(d["syncLogId"] in runs for d in firsts)
    assert sum(r["counts"]["total"] for r in runs.values()) == len(load.acknowledged)  # each counted once
    assert sum(r["counts"]["success"] for r in runs.values()) == len(load.acknowledged)
