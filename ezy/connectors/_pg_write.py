"""Batch writes for the postgres connector: one statement per batch, bad rows isolated.

A batch goes in as one `INSERT ... SELECT FROM unnest(...)` (or UPDATE). When PostgreSQL
rejects it for a row's data (a constraint, a value that does not cast), the batch is split
in halves and each half tried again, down to single rows: k bad rows in n cost about
2k*log2(n) statements, and every good row is still written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from ezy.connectors._pg_sql import Column, encoder, write_sql
from ezy.connectors.base import WRITE_OK, ConnectorError, WriteMode, WriteResult

# Errors that belong to the data of some row, not to the statement or the connection.
ROW_ERRORS = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.exceptions.ProgramLimitExceededError,
)
REJECTED = "load_rejected"


def _rejected(message: str) -> WriteResult:
    return WriteResult(False, REJECTED, message)


class BatchWriter:
    def __init__(
        self, conn: Any, table: str, columns: Mapping[str, Column], mode: WriteMode, keys: Sequence[str]
    ) -> None:
        self.conn, self.table, self.columns, self.mode, self.keys = conn, table, columns, mode, tuple(keys)

    async def write(self, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        results: list[WriteResult] = [WRITE_OK] * len(records)
        used = self._used_columns(records)
        rows: dict[Any, tuple[int, list[str | None]]] = {}
        for i, record in enumerate(records):
            row = self._row(record, used, results, i)
            if row is None:
                continue
            # A batch may carry one entity twice; PostgreSQL refuses to upsert a row twice in
            # one statement, so the later record wins and the earlier counts as written.
            key: Any = tuple(row[used.index(k)] for k in self.keys) if self.mode != "insert" else i
            rows[key] = (i, row)
        if rows:
            sql = write_sql(self.table, [self.columns[n] for n in used], self.keys, self.mode)
            for index, message in (await self._isolate(sql, list(rows.values()))).items():
                results[index] = _rejected(message)
        return results

    def _used_columns(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        names: dict[str, None] = {}
        for record in records:
            names.update(dict.fromkeys(k for k in record if k in self.columns))
        names.update(dict.fromkeys(self.keys))
        return list(names)

    def _row(
        self, record: Mapping[str, Any], used: list[str], results: list[WriteResult], i: int
    ) -> list[str | None] | None:
        unknown = [k for k in record if k not in self.columns]
        if unknown:
            results[i] = _rejected(f"no such column in {self.table}: {', '.join(map(str, unknown[:5]))}")
            return None
        nulls = [k for k in self.keys if record.get(k) is None] if self.mode != "insert" else []
        if nulls:
            results[i] = _rejected(f"key field(s) missing or null: {', '.join(nulls)}")
            return None
        try:
            return [encoder(self.columns[n])(record.get(n)) for n in used]
        except (RecursionError, ValueError, TypeError) as exc:
            results[i] = _rejected(f"value cannot be encoded: {exc}")
            return None

    async def _isolate(self, sql: str, rows: list[tuple[int, list[str | None]]]) -> dict[int, str]:
        """Write `rows`; the index and error of each row PostgreSQL would not take."""
        try:
            found = await self._execute(sql, rows)
        except ROW_ERRORS as exc:
            if len(rows) == 1:
                return {rows[0][0]: _pg_message(exc)}
            middle = len(rows) // 2
            return await self._isolate(sql, rows[:middle]) | await self._isolate(sql, rows[middle:])
        except asyncpg.PostgresError as exc:
            if isinstance(exc, asyncpg.PostgresConnectionError):
                raise
            raise ConnectorError(f"{self.table}: {_pg_message(exc)}") from exc
        if found is None:
            return {}
        return {i: "no row with these keys to update" for n, (i, _) in enumerate(rows, 1) if n not in found}

    async def _execute(self, sql: str, rows: list[tuple[int, list[str | None]]]) -> set[int] | None:
        columns = [list(col) for col in zip(*(row for _, row in rows), strict=True)]
        if self.mode == "update":
            return {r[0] for r in await self.conn.fetch(sql, *columns)}
        await self.conn.execute(sql, *columns)
        return None


def _pg_message(exc: Exception) -> str:
    detail = getattr(exc, "detail", None)
    return f"{exc} ({detail})" if detail else str(exc)
