"""The committed migrations build the whole schema on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise, connections

from ezy.db import MIGRATIONS_DIR
from ezy.runtime import Runtime
from tests.conftest import TEST_DATABASE_URL, _admin, _with_database, on_postgres


def committed_migrations() -> list[str]:
    """In aerich's order: by the number before the first `_`."""
    names = [path.name for path in (MIGRATIONS_DIR / "models").glob("[0-9]*_*.py")]
    return sorted(names, key=lambda name: int(name.split("_")[0]))


async def test_migrations_are_recorded_and_ezy_migrate_is_idempotent(runtime: Runtime) -> None:
    rows = await connections.get("default").execute_query_dict("SELECT version FROM aerich ORDER BY id")
    assert [r["version"] for r in rows] == committed_migrations()
    assert committed_migrations()[:3] == [
        "0_20261128000000_init.py",
        "1_20261130000001_dead_letter_source.py",
        "2_20261130000002_audit_log.py",
    ]
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


# Applies the migrations in `location` (a copy holding some of ours), then runs `sql` and prints the
# rows of `query` as JSON. In a subprocess, for the reason above.
_STEP = """
import asyncio, json, sys
from aerich import Command
from tortoise import connections
from ezy.db import tortoise_config

async def main(url, location, sql, query):
    async with Command(tortoise_config=tortoise_config(url), app="models", location=location) as cmd:
        await cmd.init()
        await cmd.upgrade(run_in_transaction=True)
        conn = connections.get("default")
        if sql:
            await conn.execute_script(sql)
        if query:
            print(json.dumps(await conn.execute_query_dict(query), default=str))

asyncio.run(main(*sys.argv[1:5]))
"""
_LEGACY = """
INSERT INTO "dead_letters" ("id", "tenant_id", "created_at", "instance_id", "sync_log_id", "stage", "code",
    "message", "payload", "status", "attempts", "history", "updated_at", "replay_stage") VALUES
('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000000a', CURRENT_TIMESTAMP,
 '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000c', 'validate',
 'required_missing', 'missing sku', '{"externalId": "1"}', 'pending', 1, '[]', CURRENT_TIMESTAMP, NULL),
('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000000a', CURRENT_TIMESTAMP,
 '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000c', 'transform',
 'expression_error', 'bad price', '{"id": 2}', 'pending', 1, '[]', CURRENT_TIMESTAMP, NULL);
"""


async def _step(url: str, location: Path, sql: str = "", query: str = "") -> Any:
    env = {**os.environ, "EZY_DATABASE_URL": url}
    args = [sys.executable, "-c", _STEP, url, str(location), sql, query]
    result = await asyncio.to_thread(
        subprocess.run, args, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout) if query else None


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    if not on_postgres():
        yield f"sqlite://{tmp_path}/legacy.db"
        return
    name = f"ezy_legacy_{uuid.uuid4().hex[:12]}"
    await _admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(TEST_DATABASE_URL, name)
    finally:
        await _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_legacy_dead_letters_keep_their_mapped_record_for_display_only(
    empty_database_url: str, tmp_path: Path
) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(MIGRATIONS_DIR, after, ignore=shutil.ignore_patterns("__pycache__"))
    (before / "models").mkdir(parents=True)
    shutil.copy(after / "models" / "0_20261128000000_init.py", before / "models")
    await _step(empty_database_url, before, _LEGACY)
    rows = await _step(
        empty_database_url,
        after,
        query='SELECT "stage", "payload", "mapped_payload" FROM "dead_letters" ORDER BY "id"',
    )
    decoded = [
        {k: json.loads(v) if isinstance(v, str) and k != "stage" else v for k, v in row.items()}
        for row in rows
    ]
    assert decoded == [
        {"stage": "validate", "payload": None, "mapped_payload": {"externalId": "1"}},
        {"stage": "transform", "payload": {"id": 2}, "mapped_payload": None},
    ]


# The columns of every table the models use, read from the database itself.
_COLUMNS_SQLITE = """
SELECT m.name AS "table", p.name AS "column", p."notnull" AS "notnull"
FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
"""
_COLUMNS_POSTGRES = """
SELECT table_name AS "table", column_name AS "column", (is_nullable = 'NO') AS "notnull"
FROM information_schema.columns WHERE table_schema = 'public'
"""


def _model_columns() -> dict[str, dict[str, bool]]:
    """table -> column -> NOT NULL, as the models declare them."""
    out: dict[str, dict[str, bool]] = {}
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        columns = out.setdefault(meta.db_table, {})
        for name, column in meta.fields_db_projection.items():
            columns[column] = not meta.fields_map[name].null
    return out


async def test_the_committed_migrations_build_what_the_models_expect_from_an_empty_database(
    empty_database_url: str, tmp_path: Path, runtime: Runtime
) -> None:
    """First migration to head on an empty database of this backend: every table, column and NOT NULL."""
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    query = _COLUMNS_POSTGRES if on_postgres() else _COLUMNS_SQLITE
    rows = await _step(empty_database_url, location, query=query)
    found: dict[str, dict[str, bool]] = {}
    for row in rows:
        found.setdefault(row["table"], {})[row["column"]] = bool(row["notnull"])
    for table, columns in _model_columns().items():
        assert table in found, f"no table {table!r} after the migrations"
        missing = sorted(set(columns) - set(found[table]))
        assert not missing, f"{table}: columns the models use but no migration adds: {missing}"
        # A primary key is NOT NULL whatever SQLite's pragma says of it (it reports 0 for some).
        wrong = sorted(
            c for c, not_null in columns.items() if not_null != found[table][c] and c != "id" and not_null
        )
        assert not wrong, f"{table}: NOT NULL in the models but nullable in the database: {wrong}"


def _run_sql(tenant: str, n: int, at: str) -> str:
    return (
        'INSERT INTO "sync_logs" ("id", "tenant_id", "created_at", "instance_id", "correlation_id", '
        '"trigger", "status", "total", "success", "failed", "skipped", "stages", "attempt", "request") '
        "VALUES "
        f"('00000000-0000-0000-0001-{n:012d}', '{tenant}', '{at}', '00000000-0000-0000-0000-00000000000b', "
        f"'00000000-0000-0000-0002-{n:012d}', 'api', 'succeeded', 0, 0, 0, 0, '{{}}', 1, '{{}}');"
    )


async def test_sync_logs_stored_before_the_hour_counts_are_counted(
    empty_database_url: str, tmp_path: Path
) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(MIGRATIONS_DIR, after, ignore=shutil.ignore_patterns("__pycache__"))
    (before / "models").mkdir(parents=True)
    for name in committed_migrations():
        if int(name.split("_")[0]) < 4:
            shutil.copy(after / "models" / name, before / "models")
    a, b = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000c"
    stored = [
        (a, "2026-11-20 10:15:00+00:00"),
        (a, "2026-11-20 10:59:59.999999+00:00"),
        (b, "2026-11-20 10:30:00+00:00"),
    ]
    await _step(empty_database_url, before, "".join(_run_sql(t, i, at) for i, (t, at) in enumerate(stored)))
    # After the upgrade the triggers count new runs: one in the next hour, and one deleted again.
    later = _run_sql(a, 7, "2026-11-20 11:00:00+00:00") + _run_sql(a, 8, "2026-11-20 11:20:00+00:00")
    gone = 'DELETE FROM "sync_logs" WHERE "id" = \'00000000-0000-0000-0001-000000000008\';'
    rows = await _step(
        empty_database_url,
        after,
        later + gone,
        'SELECT "tenant_id", "hour", "n" FROM "sync_log_hours" ORDER BY "tenant_id", "hour"',
    )
    ten = int(datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()) // 3600
    assert [(str(r["tenant_id"]), int(r["hour"]), int(r["n"])) for r in rows] == [
        (a, ten, 2),
        (a, ten + 1, 1),
        (b, ten, 1),
    ]
