"""Native values and orjson on the load path store exactly what the all-text encoding stored.

The reference is the encoding the connector used before: every value as text (json.dumps for
json/jsonb columns and containers, repr for numbers), cast inside PostgreSQL, row by row.
"""

from __future__ import annotations

import json
import math
from typing import Any

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ezy.connectors import _pg_write
from ezy.connectors._pg_sql import dump_json, dump_jsonb
from ezy.connectors.postgres import PostgresConnector

COLUMNS = {
    "id": "bigint",
    "n": "bigint",
    "small": "integer",
    "x": "double precision",
    "r": "real",
    "dec": "numeric",
    "flag": "boolean",
    "t": "text",
    "doc": "jsonb",
    "raw": "json",
}
_REFERENCE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _reference_text(value: Any, sql_type: str) -> str | None:
    """The text the connector sent for a value before native values and orjson."""
    if value is None:
        return None
    if sql_type in ("json", "jsonb"):
        return _REFERENCE_JSON(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict | list):
        return _REFERENCE_JSON(value)
    return str(value)


# Batches whose columns are all of their native type (so they travel natively), and batches
# that mix types (so those columns fall back to text), with the edge values of each type.
NATIVE_BATCH: list[dict[str, Any]] = [
    {
        "id": i,
        "n": [0, -(2**63), 2**63 - 1, None, 7][i % 5],
        "small": i,
        "x": [0.1, -0.0, 1e-7, 1e300, 5e-324, math.inf, -math.inf, math.nan, None, 123456789.125][i % 10],
        "r": 0.1 * i,
        "dec": 0.1 + i,
        "flag": [True, False, None][i % 3],
        "t": ["plain", "  padded ", "ünïcödé ✓", "", None][i % 5],
        "doc": [
            {"a": [1, 2.5, None, "x"], "b": {"c": True}},
            [1e-7, 1e16, -0.0, 2**70],
            {"nan": "not a number", "infant": "a string"},
            {"bad": math.nan},
            "a json string",
            None,
            {"deep": [[[{"k": "ü"}]]]},
        ][i % 7],
        "raw": [{"keep": 1e-7}, [1, 2], None][i % 3],
    }
    for i in range(140)
]
MIXED_BATCH: list[dict[str, Any]] = [
    {
        "id": 1000 + i,
        "n": [1, "2", 2**64, True, 3.0, None][i % 6],
        "small": [1, 2**40, "3"][i % 3],
        "x": [1.5, 2, "3.25", "abc", True, None][i % 6],
        "flag": [True, "true", 1, "no", None][i % 5],
        "t": [1, 2.5, True, {"a": 1}, "s"][i % 5],
        "doc": [{"n": i}, float("inf"), 2**80][i % 3],
    }
    for i in range(140)
]


async def _reference_table(conn: Any, table: str, records: list[dict[str, Any]]) -> list[bool]:
    """Write each record alone, all text, as before; whether PostgreSQL took it."""
    ok = []
    for record in records:
        names = list(record)
        columns = ", ".join(f'"{n}"' for n in names)
        values = ", ".join(f"${i + 1}::text::{COLUMNS[n]}" for i, n in enumerate(names))
        args = [_reference_text(record[n], COLUMNS[n]) for n in names]
        try:
            await conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({values})', *args)
            ok.append(True)
        except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError):
            ok.append(False)
    return ok


async def _contents(conn: Any, table: str) -> list[str]:
    # Text of every row: what a reader of the table sees, jsonb normalised by PostgreSQL and
    # json as the text it was given.
    rows = await conn.fetch(f'SELECT t::text FROM "{table}" t ORDER BY id')
    return [r[0] for r in rows]


@pytest.mark.parametrize("path", ["unnest", "copy"])
@pytest.mark.parametrize("batch", [NATIVE_BATCH, MIXED_BATCH], ids=["native", "mixed"])
async def test_stored_rows_and_refusals_are_those_of_the_text_encoding(
    path: str, batch: list[dict[str, Any]], postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pg_write, "COPY_MIN_ROWS", 10**9 if path == "unnest" else 1)
    conn = await asyncpg.connect(postgres_dsn)
    spec = ", ".join(f'"{n}" {t}' for n, t in COLUMNS.items())
    ours, reference = "ezy_test_native_ours", "ezy_test_native_reference"
    connector = PostgresConnector({"dsn": postgres_dsn}, allow_private_networks=True)
    try:
        for table in (ours, reference):
            await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
            await conn.execute(f'CREATE TABLE "{table}" ({spec}, PRIMARY KEY (id))')
        expected_ok = await _reference_table(conn, reference, batch)
        results = await connector.write(ours, batch, keys=["id"])
        assert [r.ok for r in results] == expected_ok
        assert not all(expected_ok) or batch is NATIVE_BATCH
        assert await _contents(conn, ours) == await _contents(conn, reference)
    finally:
        await connector.close()
        for table in (ours, reference):
            await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        await conn.close()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=800, deadline=None)
@given(json_values)
def test_jsonb_text_is_the_same_value_as_the_reference_text(value: Any) -> None:
    reference = dump_json(value)
    text = dump_jsonb(value)
    if _has_nonfinite(value):
        # NaN and Infinity are tokens PostgreSQL refuses: they reach it as they did, not as null.
        assert text == reference
    else:
        assert json.loads(text) == json.loads(reference)


def _has_nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nonfinite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nonfinite(v) for v in value)
    return False
