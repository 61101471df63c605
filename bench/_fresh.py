"""A fresh PostgreSQL database and a started runtime for a benchmark; the database is dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from cryptography.fernet import Fernet

from ezy.config import Settings
from ezy.runtime import Runtime

ADMIN = os.environ.get("EZY_BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("EZY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@asynccontextmanager
async def fresh_runtime() -> AsyncIterator[Runtime]:
    name = f"ezy_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN.replace("postgres://", "postgresql://") + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    settings = Settings(
        database_url=f"{ADMIN}/{name}",
        redis_url=REDIS,
        secret_key=Fernet.generate_key().decode(),
        allow_private_networks=True,
        log_level="WARNING",
    )
    try:
        async with Runtime(settings, migrate=True) as runtime:
            await runtime.pool.flushdb()  # a benchmark's own Redis database
            yield runtime
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
