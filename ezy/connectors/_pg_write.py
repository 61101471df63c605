"""Batch writes for the postgres connector: one statement per batch, bad rows isolated.

A batch of `COPY_MIN_ROWS` rows or more is copied (binary COPY; each column as text, or native
where the batch's values allow, see _pg_sql) into a temporary table of the session, then
written by one `INSERT ... SELECT ... ON CONFLICT` (or UPDATE ... FROM), both in one
transaction. A smaller batch goes as one `INSERT ... SELECT FROM
unnest(...)` statement, which costs one round trip instead of four. Both paths cast the same
values to the column's type inside PostgreSQL, so they accept and refuse the same values.

When PostgreSQL rejects a batch for a row's data (a constraint, a value that does not cast),
the batch is split in halves and each half tried again through unnest, down to single rows:
k bad rows in n cost about 2k*log2(n) statements, and every good row is still written.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from operator import methodcaller
from typing import Any

import asyncpg

from ezy.connectors._pg_sql import (
    Column,
    create_staging_sql,
    dump_json,
    dump_jsonb,
    encode_text,
    native_kind,
    staged_write_sql,
    staging_columns,
    staging_table,
    write_sql,
)
from ezy.connectors.base import WRITE_OK, ConnectorError, WriteMode, WriteResult

# Errors that belong to the data of some row, not to the statement or the connection.
ROW_ERRORS = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.exceptions.ProgramLimitExceededError,
)
REJECTED = "load_rejected"
# Below this, the unnest statement's single round trip beats BEGIN, COPY, INSERT, COMMIT.
COPY_MIN_ROWS = 100

Row = tuple[int, list[Any]]  # the record's index in the batch, its encoded values
Write = Callable[[list[Row]], Awaitable[set[int] | None]]


def _rejected(message: str) -> WriteResult:
    return WriteResult(False, REJECTED, message)


class BatchWriter:
    def __init__(
        self,
        conn: Any,
        table: str,
        columns: Mapping[str, Column],
        mode: WriteMode,
        keys: Sequence[str],
        staged: set[str] | None = None,
    ) -> None:
        self.conn, self.table, self.columns, self.mode, self.keys = conn, table, columns, mode, tuple(keys)
        # Staging tables that exist on `conn`: the caller keeps this per connection.
        self.staged = staged if staged is not None else set()

    async def write(self, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        results: list[WriteResult] = [WRITE_OK] * len(records)
        used = self._used_columns(records)
        columns = [self.columns[n] for n in used]
        kinds = [native_kind(c, map(methodcaller("get", c.name), records)) for c in columns]
        rows = self._rows(records, used, kinds, results)
        if rows:
            for index, message in (await self._write_rows(columns, kinds, rows)).items():
                results[index] = _rejected(message)
        return results

    def _used_columns(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        # In the table's order: the statement's text then repeats from batch to batch.
        present: set[Any] = set(self.keys).union(*(record.keys() for record in records))
        return [name for name in self.columns if name in present]

    def _rows(
        self,
        records: Sequence[Mapping[str, Any]],
        used: list[str],
        kinds: list[str],
        results: list[WriteResult],
    ) -> list[Row]:
        """Each record's values, encoded; a record that cannot be written gets its result here."""
        known, keys, keyed = self.columns.keys(), self.keys, self.mode != "insert"
        encode = _row_encoder(
            tuple(
                (name, "native" if kind != "text" else _value_kind(self.columns[name]))
                for name, kind in zip(used, kinds, strict=True)
            )
        )
        key_at = [used.index(k) for k in keys]
        one_key = key_at[0] if keyed and len(key_at) == 1 else None
        rows: dict[Any, Row] = {}
        for i, record in enumerate(records):
            if not record.keys() <= known:
                unknown = [k for k in record if k not in known]
                results[i] = _rejected(f"no such column in {self.table}: {', '.join(map(str, unknown[:5]))}")
                continue
            get = record.get
            if keyed and None in map(get, keys):
                nulls = [k for k in keys if get(k) is None]
                results[i] = _rejected(f"key field(s) missing or null: {', '.join(nulls)}")
                continue
            try:
                row = encode(get)
            except (RecursionError, ValueError, TypeError) as exc:
                results[i] = _rejected(f"value cannot be encoded: {exc}")
                continue
            # A batch may carry one entity twice; PostgreSQL refuses to upsert a row twice in
            # one statement, so the later record wins and the earlier counts as written.
            if one_key is not None:
                rows[row[one_key]] = (i, row)
            else:
                rows[tuple([row[j] for j in key_at]) if keyed else i] = (i, row)
        return list(rows.values())

    async def _write_rows(self, columns: list[Column], kinds: list[str], rows: list[Row]) -> dict[int, str]:
        """Write `rows`; the index and error of each row PostgreSQL would not take."""
        sql = write_sql(self.table, columns, self.keys, self.mode, kinds)
        if len(rows) < COPY_MIN_ROWS:
            return await self._isolate(sql, rows)
        return await self._guarded(sql, rows, lambda batch: self._copy(columns, kinds, batch))

    async def _guarded(self, sql: str, rows: list[Row], write: Write) -> dict[int, str]:
        """`write(rows)`; on a row's data error, halve through unnest until the bad rows stand alone."""
        try:
            found = await write(rows)
        except ROW_ERRORS as exc:
            if len(rows) == 1:
                return {rows[0][0]: _pg_message(exc)}
            middle = len(rows) // 2
            return await self._isolate(sql, rows[:middle]) | await self._isolate(sql, rows[middle:])
        except asyncpg.PostgresError as exc:
            if isinstance(exc, asyncpg.PostgresConnectionError):
                raise
            raise ConnectorError(f"{self.table}: {_pg_message(exc)}") from exc
        return self._not_found(rows, found)

    async def _copy(self, columns: list[Column], kinds: list[str], rows: list[Row]) -> set[int] | None:
        table = staging_table(kinds)
        if table not in self.staged:
            await self.conn.execute(create_staging_sql(kinds))
            self.staged.add(table)
        sql = staged_write_sql(self.table, columns, self.keys, self.mode, kinds)
        names = staging_columns(len(columns))
        staged: list[Sequence[Any]]
        if self.mode == "update":
            # The ordinal goes last, as WITH ORDINALITY's does: UPDATE ... RETURNING names rows by it.
            staged = [(*row, n) for n, (_, row) in enumerate(rows, 1)]
        else:  # only update reads it: the other modes leave it null
            staged, names = [row for _, row in rows], names[:-1]
        async with self.conn.transaction():
            await self.conn.copy_records_to_table(table, records=staged, columns=names, schema_name="pg_temp")
            if self.mode == "update":
                return {r[0] for r in await self.conn.fetch(sql)}
            await self.conn.execute(sql)
        return None

    async def _isolate(self, sql: str, rows: list[Row]) -> dict[int, str]:
        """Write `rows` through unnest, halving on a row error; the rows PostgreSQL refused."""
        return await self._guarded(sql, rows, lambda batch: self._execute(sql, batch))

    async def _execute(self, sql: str, rows: list[Row]) -> set[int] | None:
        columns = [list(col) for col in zip(*(row for _, row in rows), strict=True)]
        if self.mode == "update":
            return {r[0] for r in await self.conn.fetch(sql, *columns)}
        await self.conn.execute(sql, *columns)
        return None

    @staticmethod
    def _not_found(rows: list[Row], found: set[int] | None) -> dict[int, str]:
        """In update mode, the rows (by ordinal) that matched no existing row."""
        if found is None:
            return {}
        return {i: "no row with these keys to update" for n, (i, _) in enumerate(rows, 1) if n not in found}


def _value_kind(column: Column) -> str:
    """How a column's values travel when they are not native: JSON text or text."""
    if not column.is_json:
        return "text"
    # jsonb keeps values, so any text of the same value will do; json keeps the text itself.
    return "jsonb" if column.sql_type == "jsonb" else "json"


# Per column kind, the expression giving the value to send from `get(name)`: native kinds and None
# as they are; JSON columns get JSON text; others encode_text, inlined for str.
_VALUE_SOURCE = {
    "native": "get({name})",
    "jsonb": "None if (v := get({name})) is None else dump_jsonb(v)",
    "json": "None if (v := get({name})) is None else dump_json(v)",
    "text": "v if (v := get({name})) is None or type(v) is str else encode_text(v)",
}


@functools.lru_cache(maxsize=256)
def _row_encoder(columns: tuple[tuple[str, str], ...]) -> Callable[[Callable[[str], Any]], list[Any]]:
    """A function from a record's `get` to its row: one generated list display per batch shape,
    so no record pays for looking up how each column is encoded."""
    values = "".join(f"        {_VALUE_SOURCE[kind].format(name=repr(name))},\n" for name, kind in columns)
    source = f"def encode(get):\n    return [\n{values}    ]\n"
    namespace: dict[str, Any] = {"dump_jsonb": dump_jsonb, "dump_json": dump_json, "encode_text": encode_text}
    # Our own generated source: column names enter it only as repr() literals.
    exec(compile(source, "<row encoder>", "exec"), namespace)
    encode: Callable[[Callable[[str], Any]], list[Any]] = namespace["encode"]
    return encode


def _pg_message(exc: Exception) -> str:
    detail = getattr(exc, "detail", None)
    return f"{exc} ({detail})" if detail else str(exc)
