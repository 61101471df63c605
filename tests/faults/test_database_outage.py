"""PostgreSQL connections terminated under load, then the database refusing connections for a while:
the API answers 503 problem+json (never a 500, never a dropped connection) and recovers by itself."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from ezy.db import normalize_url
from tests.conftest import TEST_DATABASE_URL, TestTenant, on_postgres
from tests.serving import serving

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not on_postgres(), reason="needs PostgreSQL: SQLite has no server connections to lose"
    ),
]
TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
CONCURRENCY = 8


def _dsn(url: str) -> str:
    return urlunsplit(urlsplit(normalize_url(url))._replace(scheme="postgresql"))


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A separate connection to the session's database, outside the app's pool."""
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def refusing_connections(database_url: str) -> AsyncIterator[None]:
    """The session's database refuses new connections (ALTER DATABASE from the server's default one)."""
    name = urlsplit(normalize_url(database_url)).path.lstrip("/")
    owner = await asyncpg.connect(_dsn(TEST_DATABASE_URL))
    try:
        await owner.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        yield
    finally:
        await owner.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await owner.close()


GRAPHQL = {"query": "{ instances { total } }"}


class Load:
    """Clients that keep listing instances over real HTTP (REST and GraphQL) and record the answers."""

    def __init__(self, url: str, tenant: TestTenant) -> None:
        self.url, self.tenant = url, tenant
        self.statuses: Counter[int] = Counter()
        self.wrong: list[str] = []
        self.stop = asyncio.Event()

    async def client(self, graphql: bool) -> None:
        async with httpx.AsyncClient(base_url=self.url, headers=self.tenant.headers, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    if graphql:
                        response = await client.post("/graphql", json=GRAPHQL)
                    else:
                        response = await client.get("/api/v1/instances")
                except httpx.HTTPError as exc:  # a dropped connection, a reset, a timeout
                    self.wrong.append(f"transport: {exc!r}")
                    continue
                self.statuses[response.status_code] += 1
                self.check(response, graphql)

    def check(self, response: httpx.Response, graphql: bool) -> None:
        if response.status_code == 200:
            if graphql and "errors" in response.json():
                self.wrong.append(f"200 with errors: {response.text[:200]}")
            return
        if response.status_code != 503:
            self.wrong.append(f"{response.status_code}: {response.text[:200]}")
        elif not response.headers.get("retry-after", "").isdigit():
            self.wrong.append("503 without Retry-After")
        elif response.headers["content-type"] == "application/json":  # GraphQL's own answer
            codes = {e["extensions"]["code"] for e in response.json()["errors"]}
            if codes != {"SERVICE_UNAVAILABLE"}:
                self.wrong.append(f"503 with {codes}")
        elif response.headers["content-type"] != "application/problem+json":
            self.wrong.append(f"503 without problem+json: {response.text[:200]}")

    def start(self) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self.client(graphql=i % 2 == 1)) for i in range(CONCURRENCY)]


async def until_healthy(url: str, tenant: TestTenant, *, within: float) -> float:
    """Seconds until five requests in a row succeed again."""
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, headers=tenant.headers) as client:
        streak = 0
        while streak < 5:
            assert time.monotonic() - started < within, "the API did not recover"
            response = await client.get("/api/v1/instances")
            streak = streak + 1 if response.status_code == 200 else 0
            await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_connections_terminated_under_load_are_503_and_the_pool_reconnects(
    app: Starlette, tenant: TestTenant, admin: asyncpg.Connection
) -> None:
    async with serving(app) as url:
        load = Load(url, tenant)
        clients = load.start()
        for _ in range(20):
            await asyncio.sleep(0.05)
            await admin.execute(TERMINATE)
        load.stop.set()
        await asyncio.gather(*clients)
        assert load.wrong == []
        assert sum(load.statuses.values()) > CONCURRENCY  # every client was answered, more than once
        await until_healthy(url, tenant, within=15)


async def test_while_the_database_refuses_connections_every_answer_is_503_then_it_recovers(
    app: Starlette, tenant: TestTenant, admin: asyncpg.Connection, database_url: str
) -> None:
    async with serving(app) as url:
        async with refusing_connections(database_url):
            await admin.execute(TERMINATE)
            load = Load(url, tenant)
            clients = load.start()
            await asyncio.sleep(1)
            load.stop.set()
            await asyncio.gather(*clients)
        assert load.wrong == []
        assert load.statuses[503] > 0 and load.statuses[200] == 0
        await until_healthy(url, tenant, within=15)
