from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from ezy.connectors import _pg_write
from ezy.connectors.base import ConnectorError, TransientError
from ezy.connectors.postgres import PostgresConnector, dsn_hosts
from ezy.connectors.registry import open_connector


@pytest.fixture(params=["unnest", "copy"])
async def pg(request: pytest.FixtureRequest, postgres_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The connector, with batches of any size written by one path or the other: both must
    accept, refuse and report exactly the same."""
    monkeypatch.setattr(_pg_write, "COPY_MIN_ROWS", 10**9 if request.param == "unnest" else 1)
    connector = PostgresConnector({"dsn": postgres_dsn}, allow_private_networks=True)
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
    pg = PostgresConnector({"dsn": "postgresql://postgres@127.0.0.1:1/none"}, allow_private_networks=True)
    with pytest.raises(TransientError):
        await pg.write("t", [{"id": 1}], keys=["id"])
    result = await pg.test()
    assert not result.ok and result.detail


async def test_connection_test_runs_a_query(pg: Any) -> None:
    result = await pg.test()
    assert result.ok and result.latency_ms > 0


async def test_large_batch_isolates_bad_rows_and_keeps_the_last_duplicate(
    pg: Any, pg_table: str, postgres_dsn: str
) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    await conn.execute(
        f'CREATE TABLE "{pg_table}" (id bigint PRIMARY KEY, qty int CHECK (qty >= 0), doc jsonb, note text)'
    )
    await conn.close()
    records: list[dict[str, Any]] = [
        {"id": i, "qty": i, "doc": {"n": [i, {"deep": "x"}]}, "note": f"r{i}"} for i in range(600)
    ]
    records[10]["qty"] = -1  # a constraint
    records[250]["qty"] = "many"  # a value that does not cast
    records[599]["qty"] = 2**40  # out of range for int
    records.append({"id": 3, "qty": 33, "doc": None, "note": "later"})  # a duplicate key: last wins
    results = await pg.write(pg_table, records, keys=["id"])
    assert [i for i, r in enumerate(results) if not r.ok] == [10, 250, 599]
    assert all(r.code == "load_rejected" for r in results if not r.ok)
    assert "check constraint" in (results[10].message or "")
    loaded = {r["id"]: r for r in await rows(postgres_dsn, pg_table)}
    assert sorted(loaded) == [i for i in range(600) if i not in (10, 250, 599)]
    assert loaded[3] == {"id": 3, "qty": 33, "doc": None, "note": "later"}
    assert loaded[4] == {"id": 4, "qty": 4, "doc": {"n": [4, {"deep": "x"}]}, "note": "r4"}


async def test_large_update_batch_reports_rows_that_match_nothing(pg: Any, pg_table: str) -> None:
    await pg.write(pg_table, [{"id": i, "v": "a"} for i in range(300)], keys=["id"], create_table=True)
    changes = [{"id": i, "v": "b"} for i in range(150, 450)]
    results = await pg.write(pg_table, changes, mode="update", keys=["id"])
    assert [r.ok for r in results] == [True] * 150 + [False] * 150
    assert {r.message for r in results if not r.ok} == {"no row with these keys to update"}
    values = {r["id"]: r["v"] async for page in pg.read(pg_table, batch_size=500) for r in page.records}
    assert [values[i] for i in (0, 149, 150, 299)] == ["a", "a", "b", "b"] and len(values) == 300


async def test_large_batches_with_hostile_names_and_a_lost_connection(pg: Any, postgres_dsn: str) -> None:
    table = 'ezy_test_y"; DROP TABLE pg_class; --'
    records = [{'we"ird col': i, "id": i, "tags": ["a", {"b": None}]} for i in range(200)]
    try:
        assert all(r.ok for r in await pg.write(table, records, keys=["id"], create_table=True))
        pg._writer.terminate()  # the staging table goes with the session; the next write recreates it
        results = await pg.write(table, [{**r, "tags": []} for r in records], keys=["id"])
        assert all(r.ok for r in results)
        loaded = await rows(postgres_dsn, table.replace('"', '""'))
        assert len(loaded) == 200 and loaded[0] == {'we"ird col': 0, "id": 0, "tags": []}
    finally:
        conn = await asyncpg.connect(postgres_dsn)
        await conn.execute('DROP TABLE IF EXISTS "ezy_test_y""; DROP TABLE pg_class; --"')
        await conn.close()


async def test_loopback_host_is_refused_unless_private_networks_are_allowed(postgres_dsn: str) -> None:
    refused = PostgresConnector({"dsn": "postgresql://app@127.0.0.1:5432/db"}, {"password": "s3cret-pw"})
    for attempt in (
        refused.write("t", [{"id": 1}], keys=["id"]),
        refused.list_resources(),
        anext(refused.read("t")),
    ):
        with pytest.raises(ConnectorError) as caught:
            await attempt
        assert not isinstance(caught.value, TransientError)
        assert "127.0.0.1" in str(caught.value) and "s3cret" not in str(caught.value)
    result = await refused.test()
    assert not result.ok and "127.0.0.1" in result.detail and "not allowed" in result.detail
    await refused.close()

    allowed = open_connector("postgres", {"dsn": postgres_dsn}, {}, allow_private_networks=True)
    try:
        assert (await allowed.test()).ok
    finally:
        await allowed.close()
    default = open_connector("postgres", {"dsn": postgres_dsn}, {})
    assert not (await default.test()).ok


async def test_every_host_of_the_dsn_is_checked() -> None:
    # A public first host does not let a private second one through, nor does a socket path.
    for dsn in (
        "postgresql://u@8.8.8.8:5432,10.0.0.5:5432/db",
        "postgresql://u@[::1]/db",
        "postgresql:///db",
        "postgresql://%2Fvar%2Frun%2Fpostgresql/db",
        "postgresql:///db?host=169.254.169.254",
    ):
        with pytest.raises(ConnectorError, match="refused to connect") as caught:
            await PostgresConnector({"dsn": dsn}).write("t", [{"id": 1}], keys=["id"])
        assert not isinstance(caught.value, TransientError)
    with pytest.raises(ConnectorError, match="malformed") as caught:
        await PostgresConnector({"dsn": "postgresql://u:pa@ss@db.example.com/x"}).list_resources()
    assert "ss@" not in str(caught.value)


def test_dsn_hosts_reads_hosts_as_asyncpg_does() -> None:
    assert dsn_hosts("postgresql://u@db.example.com:6432/x") == [("db.example.com", 6432)]
    assert dsn_hosts("postgres://u@h1:1,h2,[::1]:7/x") == [("h1", 1), ("h2", None), ("::1", 7)]
    assert dsn_hosts("postgresql:///x?host=db.example.com") == [("db.example.com", None)]
    assert dsn_hosts("postgresql:///x") == [("", None)]
    assert dsn_hosts("postgresql://%2Ftmp/x") == [("/tmp", None)]


async def test_a_batch_of_one_rejected_row(pg: Any, pg_table: str, postgres_dsn: str) -> None:
    conn = await asyncpg.connect(postgres_dsn)
    await conn.execute(f'CREATE TABLE "{pg_table}" (id bigint PRIMARY KEY, qty int CHECK (qty >= 0))')
    await conn.close()
    [result] = await pg.write(pg_table, [{"id": 1, "qty": -1}], keys=["id"])
    assert result.code == "load_rejected" and "check constraint" in (result.message or "")
    assert [r.ok for r in await pg.write(pg_table, [{"id": 1, "qty": 1}], keys=["id"])] == [True]
