"""The committed migrations build the whole schema on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tortoise import Tortoise, connections

from ezy.db import MIGRATIONS_DIR
from ezy.runtime import Runtime


def committed_migrations() -> list[str]:
    """In aerich's order: by the number before the first `_`."""
    names = [path.name for path in (MIGRATIONS_DIR / "models").glob("[0-9]*_*.py")]
    return sorted(names, key=lambda name: int(name.split("_")[0]))


async def test_migrations_are_recorded_and_ezy_migrate_is_idempotent(runtime: Runtime) -> None:
    rows = await connections.get("default").execute_query_dict("SELECT version FROM aerich ORDER BY id")
    assert [r["version"] for r in rows] == committed_migrations()
    assert "2_20261130000002_audit_log.py" in committed_migrations()
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
