"""Plain filtered lists as statements whose SQL is written once per shape (PostgreSQL).

`paginate` read every page through Tortoise, which builds the same SELECT anew for each request
(pypika: a third of a list's CPU) and hydrates each row field by field. A query here is "plain" when
it is `Model.filter(a=.., b__gte=.., id__in=[..])` and nothing else (every service's list: `scoped(...)`
then the filter's `where()`; the GraphQL loaders' batches by id): such a query is the model, the
filtered columns with their comparisons, and the values. The SQL text depends on the first two only,
so it is built once for each of them; the values are encoded by the fields' own `to_db_value`, as
Tortoise's filters encode them, and the rows become model instances by code generated once per
model from the same field lists and conversions Tortoise's `_init_from_db` uses. Same rows, same
order, same total, same objects.

Anything else (another backend, another lookup, annotations, selected columns, a query given its
own client with `using_db`) is not plain, and is read through Tortoise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from tortoise.expressions import Q
from tortoise.fields import DatetimeField, Field, UUIDField
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

M = TypeVar("M", bound=Model)
# Lookups understood, as SQL over (column, parameter); `in` takes an array (PostgreSQL's ANY).
_OPERATORS = {
    "": "{}={}",
    "gte": "{}>={}",
    "gt": "{}>{}",
    "lte": "{}<={}",
    "lt": "{}<{}",
    "in": "{}=ANY({})",
}
# QuerySet state that a plain filtered list leaves at its default (anything set: not plain).
_UNSET = (
    "_annotations",
    "_custom_filters",
    "_prefetch_map",
    "_filter_kwargs",
    "_orderings",
    "_having",
    "_fields_for_select",
    "_group_bys",
    "_select_related",
    "_force_indexes",
    "_use_indexes",
    "_select_for_update",
    "_distinct",
    "_single",
    "_db",
)


@dataclass(frozen=True)
class SumOf:
    """A total kept elsewhere: the sum of `column` over the rows of `table` the same filter selects."""

    table: str
    column: str


COUNT = "count"  # the total: the filtered rows counted
Total = SumOf | str | None  # None: no total (the caller knows it)


@dataclass(frozen=True)
class Statement:
    """One page of a plain list: the SQL for its shape, its values, and how rows become models."""

    model: type[Model]
    sql: str
    values: list[Any]
    totalled: bool

    async def rows(self, limit: int, offset: int) -> tuple[list[Any], Any]:
        """The page's model instances, and the total its first row carries (None without rows or total)."""
        _, rows = await self.model._meta.db.execute_query(self.sql, [*self.values, limit, offset])
        return _models(self.model, rows), rows[0]["page_total"] if rows and self.totalled else None


def page_statement(query: QuerySet[M], order: str, total: Total = COUNT) -> Statement | None:
    """The page statement of `query` in `order` (then `-id`); None when `query` is not plain.

    Its values end with two slots for LIMIT and OFFSET, filled by the caller. Each row carries the
    total as its last column, `page_total`, unless `total` is None.
    """
    plain = _plain(query)
    if plain is None:
        return None
    lookups, values = plain
    sql = _sql(query.model, lookups, order, total)
    return Statement(query.model, sql, values, totalled=total is not None)


async def all_rows(query: QuerySet[M]) -> list[M]:
    """What `await query` answers (in no particular order), by a statement written once per shape."""
    plain = _plain(query)
    if plain is None:
        return list(await query)
    lookups, values = plain
    _, rows = await query.model._meta.db.execute_query(_sql(query.model, lookups, None, None), values)
    return _models(query.model, rows)


def _plain(query: QuerySet[M]) -> tuple[tuple[tuple[str, str], ...], list[Any]] | None:
    """(filtered fields with their comparisons, their database values), or None when not plain."""
    model = query.model
    if type(query) is not QuerySet or query._limit is not None or query._offset is not None:
        return None
    if any(getattr(query, name, None) for name in _UNSET):
        return None
    lookups: list[tuple[str, str]] = []
    values: list[Any] = []
    fields = model._meta.fields_map
    for q in query._q_objects:
        if type(q) is not Q or q.children or q._is_negated:
            return None
        for key, value in q.filters.items():
            name, _, op = key.partition("__")
            field = fields.get(name)
            if value is None or op not in _OPERATORS or name not in model._meta.fields_db_projection:
                return None
            assert field is not None
            if op == "in":  # each member encoded, as Tortoise's list encoder does
                if not isinstance(value, list | tuple | set) or any(v is None for v in value):
                    return None
                values.append([field.to_db_value(v, model) for v in value])
            else:
                values.append(field.to_db_value(value, model))
            lookups.append((name, op))
    if model._meta.db.capabilities.dialect != "postgres":
        return None
    return tuple(lookups), values


@cache
def _sql(model: type[Model], lookups: tuple[tuple[str, str], ...], order: str | None, total: Total) -> str:
    """The rows (a page when `order` is given), with the total as a scalar subquery (one round trip)."""
    meta = model._meta
    column = meta.fields_db_projection
    where = " AND ".join(
        _OPERATORS[op].format(f'"{column[name]}"', f"${i}") for i, (name, op) in enumerate(lookups, start=1)
    )
    where = f" WHERE {where}" if where else ""
    table = f'"{meta.db_table}"'
    selected = ",".join(f'"{key}"' for key, _, _ in _columns(model))
    if isinstance(total, SumOf):
        selected += f',(SELECT SUM("{total.column}") FROM "{total.table}"{where}) "page_total"'
    elif total is not None:
        selected += f',(SELECT COUNT(*) FROM {table}{where}) "page_total"'
    if order is None:
        return f"SELECT {selected} FROM {table}{where}"
    direction = "DESC" if order.startswith("-") else "ASC"
    n = len(lookups)
    return (
        f"SELECT {selected} FROM {table}{where} "
        f'ORDER BY "{column[order.lstrip("-")]}" {direction},"{column["id"]}" DESC '
        f"LIMIT ${n + 1} OFFSET ${n + 2}"
    )


def _columns(model: type[Model]) -> list[tuple[str, str, Any]]:
    meta = model._meta
    return [*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields]


def _models(model: type[Model], rows: Sequence[Any]) -> list[Any]:
    """The rows as model instances; the time zone is read once for the page, not once per value."""
    hydrate = _hydrator(model)
    tz = get_default_timezone() if get_use_tz() else None
    return [hydrate(row, tz) for row in rows]


@cache
def _hydrator(model: type[Model]) -> Callable[[Any, tzinfo | None], Any]:
    """A row (by position, in `_columns` order) as the model instance `Model._init_from_db` makes.

    The conversions are the fields' own; those of timestamps, ids and enums are written inline for
    the values PostgreSQL's driver gives (an aware datetime, a UUID, a string), with the field's
    `to_python_value` for anything else. `tz`: Tortoise's default zone when `use_tz`, else None.
    """
    meta = model._meta
    namespace: dict[str, Any] = {
        "cls": model,
        "new": object.__new__,
        "set_dict": object.__setattr__,
        "datetime": datetime,
        "UUID": UUID,
    }
    members = [
        "'_partial': False",
        "'_saved_in_db': True",
        f"'_custom_generated_pk': {meta.db_pk_column not in meta.generated_db_fields!r}",
        "'_await_when_save': {}",
    ]
    native = len(meta.db_native_fields)
    default = native + len(meta.db_default_fields)
    for i, (_, model_field, field) in enumerate(_columns(model)):
        v, c = f"v{i}", f"c{i}"
        namespace[c] = field.to_python_value
        if i < native:  # already the Python value, as the driver gives it
            value = f"r[{i}]"
        elif i < default:  # the field's type called on it, as `_init_from_db` does
            namespace[f"t{i}"] = field.field_type
            value = f"None if ({v} := r[{i}]) is None else t{i}({v})"
        elif _converts_as(field, DatetimeField):  # an aware datetime moved to the zone, as it does
            value = (
                f"None if ({v} := r[{i}]) is None else {v}.astimezone(tz) if tz is not None and "
                f"type({v}) is datetime and {v}.utcoffset() is not None else {c}({v})"
            )
        elif _converts_as(field, UUIDField):
            value = f"{v} if ({v} := r[{i}]) is None or isinstance({v}, UUID) else {c}({v})"
        elif _converts_as(field, CharEnumFieldInstance):
            namespace[f"e{i}"] = field.enum_type
            value = f"None if ({v} := r[{i}]) is None else e{i}({v})"
        else:
            value = f"{c}(r[{i}])"
        members.append(f"{model_field!r}: {value}")
    source = (
        "def hydrate(r, tz):\n"
        "    o = new(cls)\n"
        f"    set_dict(o, '__dict__', {{{', '.join(members)}}})\n"
        "    return o\n"
    )
    # Generated from the model's own field names (identifiers), never from input.
    exec(compile(source, f"<rows of {model.__name__}>", "exec"), namespace)
    hydrate: Callable[[Any, tzinfo | None], Any] = namespace["hydrate"]
    return hydrate


def _converts_as(field: Field[Any], kind: type[Field[Any]]) -> bool:
    """The field converts values exactly as `kind` does (an instance not overriding its conversion)."""
    return isinstance(field, kind) and type(field).to_python_value is kind.to_python_value
