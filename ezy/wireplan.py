"""A view's REST answer straight from an ORM row, for list pages: `wire(view_of(View, row))` without
building the view.

`view_of` validates every member of every row (pydantic) and `wire` walks the view generically:
on a page of sync logs, with their nested counts and stages, that is three times the old
hand-written dict. A plan is compiled once per view class from the same declaration (field names,
aliases, types, defaults), so the answer cannot drift from the view: rows from our own database are
trusted, and nothing is validated again. `tests/test_wireplan.py` holds the two equal.

Unlike `ezy.contract.wire_row`, which answers a nested member as the row holds it, a nested view
is read from a stored JSON object here (a sync log's `stages`), its missing members filled in with
the view's defaults, as `view_of` would.

Understood member types: str/int/bool/dict and any JSON value (`object`), as stored; float,
datetime (RFC 3339), UUID (text), StrEnum (its value), a nested View (read from an object or a
stored dict, defaults filled in), lists of these, and their `| None`. Anything else raises TypeError
when the plan is compiled.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ezy.timefmt import rfc3339

Convert = Callable[[Any], Any] | None  # None: the value as it is
_PLAIN = (str, int, float, bool, dict)
_MISSING = object()


def wire_compiled(model: type[BaseModel], row: Any) -> dict[str, Any]:
    """The REST answer of `row` as `model` (a View), as `wire(view_of(model, row))` gives it."""
    return _plan(model)(row)


def wire_plan(model: type[BaseModel]) -> Callable[[Any], dict[str, Any]]:
    """`wire_compiled` for one view, looked up once: for the rows of a page."""
    return _plan(model)


@cache
def _plan(model: type[BaseModel]) -> Callable[[Any], dict[str, Any]]:
    """Straight-line code, as one would write the dict by hand: one expression per member."""
    namespace: dict[str, Any] = {"_MISSING": _MISSING, "_fresh": _fresh}
    from_object: list[str] = []
    from_dict: list[str] = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        alias = info.alias or name
        convert = _converter(info.annotation, f"{model.__name__}.{name}")
        namespace[f"c{i}"] = convert
        v = f"v{i}"

        def converted(read: str, v: str = v, i: int = i, plain: bool = convert is None) -> str:
            # `read` is evaluated once: it binds v (or is v itself once bound).
            return read if plain else f"(None if ({v} := {read}) is None else c{i}({v}))"

        from_object.append(f"{alias!r}: {converted(f's.{name}')}")
        if info.default_factory is None and info.default is PydanticUndefined:
            from_dict.append(f"{alias!r}: {converted(f's[{alias!r}]')}")  # KeyError: required, missing
            continue
        default = info.get_default(call_default_factory=True, validated_data={})
        namespace[f"d{i}"] = default if convert is None or default is None else convert(default)
        present = v if convert is None else f"(None if {v} is None else c{i}({v}))"
        from_dict.append(
            f"{alias!r}: _fresh(d{i}) if ({v} := s.get({alias!r}, _MISSING)) is _MISSING else {present}"
        )
    source = (
        "def plan(s):\n"
        "    if isinstance(s, dict):\n"
        f"        return {{{', '.join(from_dict)}}}\n"
        f"    return {{{', '.join(from_object)}}}\n"
    )
    # Compiled from the model's own names only (identifiers and repr'd aliases), never from input.
    exec(compile(source, f"<wire plan of {model.__name__}>", "exec"), namespace)
    plan: Callable[[Any], dict[str, Any]] = namespace["plan"]
    return plan


def _fresh(value: Any) -> Any:
    """A default that is an object (a nested view's) is copied: answers never share a dict."""
    return dict(value) if isinstance(value, dict) else value


def _converter(annotation: Any, where: str) -> Convert:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [arg for arg in args if arg is not type(None)]
        if len(kept) != 1:
            raise TypeError(f"{where}: unions other than `X | None` have no wire plan")
        return _converter(kept[0], where)
    if typing.get_origin(annotation) is typing.Annotated:
        return _converter(args[0], where)
    if annotation is object or annotation is Any:
        return None  # any JSON value, answered as stored
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _enum_value
        if annotation is float:
            return float  # as the view holds it: a stored 0 is answered 0.0
        if issubclass(annotation, _PLAIN):
            return None
        if issubclass(annotation, datetime):
            return rfc3339
        if issubclass(annotation, UUID):
            return str
        if issubclass(annotation, BaseModel):
            return _plan(annotation)
    if typing.get_origin(annotation) is dict:
        return None
    if typing.get_origin(annotation) is list:
        item = _converter(args[0], where)
        return list if item is None else lambda items: [item(i) for i in items]
    raise TypeError(f"{where}: {annotation!r} has no wire plan")


def _enum_value(value: Any) -> Any:
    # `_value_`, what the `value` property reads, without the property's Python-level call.
    return value._value_ if isinstance(value, enum.Enum) else value
