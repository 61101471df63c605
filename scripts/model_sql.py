"""Print the tables the models describe, as SQLite and as PostgreSQL DDL (development tool, not shipped).

aerich diffs one dialect at a time, so EZY's migrations after the first are written by hand with one
SQL string per dialect (see `ezy/migrations/models/3_*.py`). Draft a migration's column definitions
from this output, then let `tests/test_migrations.py` check that first-to-head on an empty database
of each backend builds every table, column and NOT NULL the models declare.
Usage: python scripts/model_sql.py [table ...]   (no database is needed)
"""

from __future__ import annotations

import asyncio
import sys

from tortoise import Tortoise, connections
from tortoise.utils import get_schema_sql

from ezy.db import tortoise_config

URLS = {"sqlite": "sqlite://:memory:", "postgres": "postgres://nobody@127.0.0.1:1/none"}


async def _ddl(url: str) -> str:
    await Tortoise.init(config=tortoise_config(url))
    try:
        return get_schema_sql(connections.get("default"), safe=False)
    finally:
        await Tortoise.close_connections()
        await Tortoise._reset_apps()


def _only(sql: str, tables: list[str]) -> str:
    statements = [s.strip() + ";" for s in sql.split(";") if s.strip()]
    return "\n".join(s for s in statements if not tables or any(f'"{t}"' in s for t in tables))


async def main(tables: list[str]) -> None:
    for dialect, url in URLS.items():
        print(f"-- {dialect}\n{_only(await _ddl(url), tables)}\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
