"""Queries and row conversion for reading from PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from ezy.connectors._pg_sql import quote_ident, quote_table
from ezy.connectors.base import ConnectorError

_JSON_NATIVE = (str, int, float, bool, type(None), dict, list)
_CONVERT: dict[type, Callable[[Any], Any]] = {
    decimal.Decimal: str,  # keeps every digit, as money strings do
    dt.datetime: lambda v: v.isoformat(),
    dt.date: lambda v: v.isoformat(),
    dt.time: lambda v: v.isoformat(),
    uuid.UUID: str,
    bytes: lambda v: base64.b64encode(v).decode("ascii"),
}


async def build_query(
    conn: Any, resource: str, params: dict[str, Any], cursor: str | None, cursor_field: str | None
) -> tuple[str, list[Any]]:
    """`params.query` reads a query instead of the table; other params are equality filters."""
    query = params.pop("query", None)
    source = f"({query}) AS ezy_src" if query else quote_table(resource)
    conditions, args = [], []
    for name, value in params.items():
        args.append(value if isinstance(value, str) or value is None else str(value))
        conditions.append(f"{quote_ident(name)}::text IS NOT DISTINCT FROM ${len(args)}::text")
    order = ""
    if cursor_field:
        column = quote_ident(cursor_field)
        conditions.append(f"{column} IS NOT NULL")
        if cursor is not None:
            args.append(cursor)
            conditions.append(
                f"{column} > ${len(args)}::text::{await _column_type(conn, source, cursor_field)}"
            )
        order = f" ORDER BY {column}"
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT * FROM {source}{where}{order}", args


async def _column_type(conn: Any, source: str, column: str) -> str:
    statement = await conn.prepare(f"SELECT * FROM {source} LIMIT 0")
    for attribute in statement.get_attributes():
        if attribute.name == column:
            return f"{quote_ident(attribute.type.schema)}.{quote_ident(attribute.type.name)}"
    raise ConnectorError(f"no column {column!r} to use as the cursor")


def page_cursor(rows: list[Any], following: list[Any], field: str | None, previous: str | None) -> str | None:
    """Where a read resumes after `rows`: never in the middle of rows sharing a cursor value.

    When the next page starts with the same value as this one ends, the resume point falls back
    to the last smaller value on this page, so a resume re-reads that group instead of skipping it.
    """
    if not field:
        return None
    last = rows[-1][field]
    if following and following[0][field] == last:
        smaller = [r[field] for r in rows if r[field] < last]
        return _cursor_text(max(smaller)) if smaller else previous
    return _cursor_text(last)


def _cursor_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime | dt.time) else str(value)


def to_record(row: Any) -> dict[str, Any]:
    record = dict(row.items())
    for name, value in record.items():
        if not isinstance(value, _JSON_NATIVE):
            record[name] = _CONVERT.get(type(value), str)(value)
    return record
