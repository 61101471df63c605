"""SQL text and value encoding for the postgres connector.

Identifiers are always quoted here and nowhere else; values travel as parameters (cast to the
column's catalogued type inside the statement), never inside SQL text. A batch's values go as
text, except where a column's values are all of the Python type that is the column's own
(int for bigint, float for double precision, bool for boolean): those travel as native binary
values, which PostgreSQL reads without parsing and which give exactly what the text would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ezy.connectors.base import ConnectorError, WriteMode

COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname IN ('json', 'jsonb')
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sql_type: str  # from format_type(): safe to splice, it is the catalogue's own spelling
    is_json: bool


def quote_ident(name: str) -> str:
    if not isinstance(name, str) or not name or "\x00" in name or len(name) > 63:
        raise ConnectorError(f"not a usable SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_table(resource: str) -> str:
    """`items` or `schema.items`; each part quoted."""
    parts = resource.split(".")
    if len(parts) > 2:
        raise ConnectorError(f"table name has too many dots: {resource!r}")
    return ".".join(quote_ident(p) for p in parts)


# One encoder object for every JSON value: json.dumps with options builds a new one per call.
# The text it writes is what a `json` column (which keeps text as given) or a text column stores.
dump_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# orjson refuses these (so they take the exact path) rather than writing its own form of them.
_ORJSON_STRICT = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dump_jsonb(value: Any) -> str:
    """JSON text for a jsonb value: orjson (~20x faster), read by jsonb as the same value as
    `dump_json`'s text (jsonb keeps values, not text: `1e-7` and `1e-07` are one number).

    orjson writes NaN and Infinity as null where `dump_json` writes tokens PostgreSQL refuses;
    a null in the output therefore sends a value holding such a float to `dump_json`. Values
    orjson cannot take (integers beyond 64 bits, keys that are not strings, lone surrogates)
    go there too.
    """
    try:
        data = orjson.dumps(value, option=_ORJSON_STRICT)
    except (TypeError, orjson.JSONEncodeError):
        return dump_json(value)
    if b"null" in data and _nonfinite(value):
        return dump_json(value)
    return data.decode()


def _nonfinite(value: Any) -> bool:
    """Whether a JSON value holds a NaN or an infinity (x - x is 0.0 for every finite float)."""
    kind = type(value)
    if kind is float:
        return bool(value - value != 0.0)
    items: Iterable[Any]
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:  # subclasses of float, dict, list never get here: orjson refused them
        return False
    for item in items:
        kind = type(item)
        if kind is float:
            if item - item != 0.0:
                return True
        elif (kind is dict or kind is list) and _nonfinite(item):
            return True
    return False


def encode_text(value: Any) -> str | None:
    if value is None or type(value) is str or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict | list):
        return dump_json(value)
    return str(value)


def infer_type(values: Iterable[Any]) -> str:
    kinds = {_kind(v) for v in values if v is not None}
    if kinds <= {"boolean"} and kinds:
        return "boolean"
    if kinds <= {"bigint"} and kinds:
        return "bigint"
    if kinds <= {"bigint", "numeric"} and kinds:
        return "numeric"  # integers beyond 64 bits
    if kinds <= {"bigint", "double precision"} and kinds:
        return "double precision"
    if kinds <= {"text"}:
        return "text"  # also a column that was null in every record so far
    return "jsonb"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint" if -(2**63) <= value < 2**63 else "numeric"
    if isinstance(value, float):
        return "double precision"
    if isinstance(value, str):
        return "text"
    return "jsonb"


def create_table_sql(table: str, records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> str:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = [f"{quote_ident(n)} {infer_type(r.get(n) for r in records)}" for n in names]
    if keys:
        columns.append(f"PRIMARY KEY ({', '.join(quote_ident(k) for k in keys)})")
    return f"CREATE TABLE IF NOT EXISTS {quote_table(table)} ({', '.join(columns)})"


# Target column type -> the Python type whose values may travel natively into it.
NATIVE_TYPES: dict[str, type] = {"bigint": int, "double precision": float, "boolean": bool}
_INT8 = (-(2**63), 2**63)
_CODES = {"text": "t", "bigint": "i", "double precision": "f", "boolean": "b"}


def native_kind(column: Column, values: Iterable[Any]) -> str:
    """How a batch's `values` for `column` travel: the column's type if all are its native
    Python type (or None), else text."""
    native = NATIVE_TYPES.get(column.sql_type)
    if native is None:
        return "text"
    values = list(values)
    kinds = set(map(type, values))  # type(): bool is no int here
    if not kinds <= {native, _NONE}:
        return "text"
    if native is int and native in kinds:
        present = [v for v in values if v is not None] if _NONE in kinds else values
        if not (_INT8[0] <= min(present) and max(present) < _INT8[1]):
            return "text"  # beyond bigint: PostgreSQL's own refusal of the text, as before
    return column.sql_type


_NONE = type(None)


def write_sql(
    table: str, columns: Sequence[Column], keys: Sequence[str], mode: WriteMode, kinds: Sequence[str]
) -> str:
    """One statement for a whole batch: one array parameter per column, unnested to rows."""
    arrays = ", ".join(f"${i + 1}::{kind}[]" for i, kind in enumerate(kinds))
    return _write_from(f"unnest({arrays}) WITH ORDINALITY", table, columns, keys, mode)


def staging_table(kinds: Sequence[str]) -> str:
    """The session's temporary table that a batch with columns of `kinds` is copied into."""
    codes = "".join(_CODES[k] for k in kinds)
    if len(codes) > 40:  # identifiers stop at 63 characters
        codes = f"{len(codes)}_{hashlib.sha1(codes.encode()).hexdigest()[:16]}"
    return f"ezy_stage_{codes}"


def staging_columns(width: int) -> list[str]:
    return [*(f"c{i}" for i in range(width)), "ezy_n"]


def create_staging_sql(kinds: Sequence[str]) -> str:
    # Text, or the column's own type, like the unnest parameters: the casts to the target's
    # types happen in the INSERT, so PostgreSQL's own input rules (and errors) are the same on
    # both paths. ON COMMIT DELETE ROWS: each batch's transaction leaves it empty, even after
    # a failure.
    columns = ", ".join([*(f"c{i} {kind}" for i, kind in enumerate(kinds)), "ezy_n bigint"])
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging_table(kinds)} ({columns}) ON COMMIT DELETE ROWS"


def staged_write_sql(
    table: str, columns: Sequence[Column], keys: Sequence[str], mode: WriteMode, kinds: Sequence[str]
) -> str:
    """The statement of `write_sql`, reading the rows COPY put into the staging table."""
    return _write_from(f"pg_temp.{staging_table(kinds)}", table, columns, keys, mode)


def _write_from(
    source: str, table: str, columns: Sequence[Column], keys: Sequence[str], mode: WriteMode
) -> str:
    """INSERT / upsert / UPDATE of `table` from `source`, a row source of the columns then
    the row's ordinal, aliased here to the target's column names."""
    names = [quote_ident(c.name) for c in columns]
    source = f"{source} AS u({', '.join(names)}, ezy_n)"
    casts = [f"u.{n}::{c.sql_type}" for n, c in zip(names, columns, strict=True)]
    target = quote_table(table)
    if mode == "update":
        by_name = dict(zip([c.name for c in columns], casts, strict=True))
        sets = ", ".join(
            f"{n} = {cast}" for n, c, cast in zip(names, columns, casts, strict=True) if c.name not in keys
        )
        match = " AND ".join(f"t.{quote_ident(k)} = {by_name[k]}" for k in keys)
        sets = sets or f"{quote_ident(keys[0])} = t.{quote_ident(keys[0])}"
        return f"UPDATE {target} AS t SET {sets} FROM {source} WHERE {match} RETURNING u.ezy_n"
    insert = f"INSERT INTO {target} ({', '.join(names)}) SELECT {', '.join(casts)} FROM {source}"
    if mode == "insert":
        return insert
    updates = [f"{n} = EXCLUDED.{n}" for n, c in zip(names, columns, strict=True) if c.name not in keys]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    return f"{insert} ON CONFLICT ({', '.join(quote_ident(k) for k in keys)}) {action}"
