from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from ezy.connectors.base import ConnectorError, TransientError
from ezy.connectors.postgres import PostgresConnector


@pytest.fixture
async def pg(postgres_dsn: str) -> Any:
    connector = PostgresConnector({"dsn": postgres_dsn})
    yield connector
    await connector.close()


async def rows(dsn: str, table: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        return [dict(r) for r in await conn.fetch(f'SELECT * FROM "{table}" ORDER BY 1')]
    finally:
        await conn.close()


async def test_upsert_creates_the_table_and_repeats_harmlessly(
    pg: Any, pg_table: str, postgres_dsn: str
) -> None:
    records = [
        {"id": 1, "name": "a", "tags": ["x"], "price": 1.5},
        {"id": 2, "name": "b", "tags": [], "price": 2},
    ]
    for _ in range(2):
        results = await pg.write(pg_table, records, keys=["id"], create_table=True)
        assert all(r.ok for r in results)
    assert await rows(postgres_dsn, pg_table) == [
        {"id": 1, "name": "a", "tags": ["x"], "price": 1.5},
        {"id": 2, "name": "b", "tags": [], "price": 2.0},
    ]


async def test_rejected_rows_fail_alone_and_the_rest_load(pg: Any, pg_table: str, postgres_dsn: str) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    await conn.execute(
        f'CREATE TABLE "{pg_table}" (id bigint PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0))'
    )
    await conn.close()
    records = [{"id": i, "qty": -1 if i in (3, 7) else ("lots" if i == 5 else i)} for i in range(10)]
    results = await pg.write(pg_table, records, keys=["id"])
    assert [i for i, r in enumerate(results) if not r.ok] == [3, 5, 7]
    assert results[3].code == "load_rejected" and "check constraint" in (results[3].message or "")
    assert [r["id"] for r in await rows(postgres_dsn, pg_table)] == [0, 1, 2, 4, 6, 8, 9]


async def test_hostile_names_are_quoted_not_executed(pg: Any, postgres_dsn: str) -> None:
    table = 'ezy_test_x"; DROP TABLE pg_class; --'
    try:
        results = await pg.write(table, [{'we"ird col': 1, "id": 1}], keys=["id"], create_table=True)
        assert results[0].ok
        assert await rows(postgres_dsn, table.replace('"', '""')) == [{'we"ird col': 1, "id": 1}]
    finally:
        conn = await asyncpg.connect(postgres_dsn)
        await conn.execute('DROP TABLE IF EXISTS "ezy_test_x""; DROP TABLE pg_class; --"')
        await conn.close()


async def test_update_mode_rejects_records_with_no_row(pg: Any, pg_table: str) -> None:
    await pg.write(pg_table, [{"id": 1, "v": "a"}], keys=["id"], create_table=True)
    results = await pg.write(pg_table, [{"id": 1, "v": "b"}, {"id": 2, "v": "c"}], mode="update", keys=["id"])
    assert [r.ok for r in results] == [True, False]
    assert results[1].message == "no row with these keys to update"


async def test_missing_table_without_create_is_a_connector_error(pg: Any, pg_table: str) -> None:
    with pytest.raises(ConnectorError, match="does not exist"):
        await pg.write(pg_table, [{"id": 1}], keys=["id"])


async def test_incremental_read_never_splits_rows_sharing_a_cursor_value(pg: Any, pg_table: str) -> None:
    records = [{"id": i, "stamp": s} for i, s in enumerate([1, 2, 2, 2, 3, 4])]
    await pg.write(pg_table, records, keys=["id"], create_table=True)
    pages = [p async for p in pg.read(pg_table, cursor_field="stamp", batch_size=2)]
    # Page one ends inside the run of 2s, so resuming after it must start after 1, not 2.
    assert [[r["stamp"] for r in p.records] for p in pages] == [[1, 2], [2, 2], [3, 4]]
    assert [p.cursor for p in pages] == ["1", "2", "4"]
    resumed = [
        r async for p in pg.read(pg_table, cursor="1", cursor_field="stamp", batch_size=10) for r in p.records
    ]
    assert sorted(r["id"] for r in resumed) == [1, 2, 3, 4, 5]


async def test_unreachable_server_is_transient_and_test_says_so() -> None:
    pg = PostgresConnector({"dsn": "postgresql://postgres@127.0.0.1:1/none"})
    with pytest.raises(TransientError):
        await pg.write("t", [{"id": 1}], keys=["id"])
    result = await pg.test()
    assert not result.ok and result.detail


async def test_connection_test_runs_a_query(pg: Any) -> None:
    result = await pg.test()
    assert result.ok and result.latency_ms > 0
