"""The committed migrations build the whole schema on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tortoise import Tortoise, connections

from ezy.runtime import Runtime


async def test_migrations_are_recorded_and_ezy_migrate_is_idempotent(runtime: Runtime) -> None:
    rows = await connections.get("default").execute_query_dict("SELECT version FROM aerich")
    assert [r["version"] for r in rows] == ["0_20261128000000_init.py"]
    # In a subprocess: aerich's command tears down the ORM state of the process it runs in.
    env = {**os.environ, "EZY_DATABASE_URL": runtime.settings.database_url}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ezy.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "up to date" in result.stdout


async def test_every_model_has_its_table(runtime: Runtime) -> None:
    conn = connections.get("default")
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        rows = await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
        assert rows[0]["n"] >= 0, table
