"""What every domain module shares: timestamps, pages, page arguments and input-to-body conversion."""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar, cast
from uuid import UUID

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.base import get_object_definition
from strawberry.types.scalar import ScalarDefinition
from strawberry.utils.str_converters import to_camel_case

from ezy.errors import NotFound
from ezy.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from ezy.pagination import Page as Rows
from ezy.timefmt import parse_rfc3339, rfc3339

T = TypeVar("T")
R = TypeVar("R")

# The REST wire format: RFC 3339 UTC with a `Z`, milliseconds only when there are any.
DATETIME = strawberry.scalar(
    name="DateTime",
    description="An RFC 3339 timestamp, answered in UTC (`2026-11-28T12:00:00Z`), as REST answers it.",
    serialize=rfc3339,
    parse_value=wrap_parser(parse_rfc3339, "DateTime"),
)
# Contracts declare ids as UUID and JSON members as dicts; GraphQL answers them as ID and JSON.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    datetime: DATETIME,
    UUID: DEFAULT_SCALAR_REGISTRY[strawberry.ID],
    dict: DEFAULT_SCALAR_REGISTRY[JSON],
    object: DEFAULT_SCALAR_REGISTRY[JSON],  # `JSONValue`: any JSON
}

VersionArg = Annotated[
    int,
    strawberry.argument(
        description="The `version` you last read (REST's If-Match); when stale: VersionMismatchError."
    ),
]
PageArg = Annotated[int, strawberry.argument(description="Page number, from 1.")]
PageSizeArg = Annotated[
    int,
    strawberry.argument(
        description=f"Items per page: 1 to {MAX_PAGE_SIZE} (capped), {DEFAULT_PAGE_SIZE} by default."
    ),
]


ModelT = TypeVar("ModelT", bound=BaseModel)


def contract_type(model: type[ModelT], name: str) -> type[ModelT]:
    """A contract view as a GraphQL type: same fields, its docstring as the description."""
    return _wire_names(strawberry.pydantic.type(model, name=name, description=_doc(model)), model)


def contract_input(model: type[ModelT], name: str) -> type[ModelT]:
    """A contract input as a GraphQL input; strawberry validates it with the model itself.

    A member whose default is null has no GraphQL default: an omitted member stays unset (a merge
    patch leaves it alone) while an explicit null is sent as null (a merge patch removes it).
    """
    decorated = _wire_names(strawberry.pydantic.input(model, name=name, description=_doc(model)), model)
    for field in get_object_definition(decorated, strict=True).fields:
        if field.default is None:
            field.default = field.default_value = strawberry.UNSET
    return decorated


def _wire_names(decorated: type[ModelT], model: type[BaseModel]) -> type[ModelT]:
    """A member with an explicit alias (`from_` -> `from`) is named as REST names it."""
    for field in get_object_definition(decorated, strict=True).fields:
        info = model.model_fields.get(field.python_name)
        if info is not None and info.alias and info.alias != to_camel_case(field.python_name):
            field.graphql_name = info.alias
    return decorated


def as_view(model: type[ModelT], row: Any) -> ModelT:
    """A row answered as the contract's GraphQL type, without building the model (no validation per
    row of a list: rows were validated when written).

    Not the row itself: a Tortoise row defines `__await__`, so graphql-core would await every row of
    every list (an event-loop round trip each; GraphQL lists ran 25 % slower). A snapshot holding the
    view's members as plain slots is copied instead, by code generated once per view class. A member
    that is itself a view (a sync log's `counts`, `stages`) is snapshotted too, from the row's
    object or from a stored JSON object, whose missing members take the view's defaults as
    validation would fill them (the same reading as REST's wire plans). Private attributes start
    at their defaults.
    """
    return cast(ModelT, _snapshot(model)(row))


@functools.cache
def _snapshot(model: type[BaseModel]) -> Callable[[Any], Any]:
    names = tuple(model.model_fields)
    private = tuple(model.__private_attributes__)
    cls = type(f"{model.__name__}Row", (), {"__slots__": names + private, "__module__": __name__})
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__}
    body: list[str] = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        nested = _nested_view(info.annotation)
        if nested is None:
            body.append(f"    o.{name} = r.{name}\n")
        else:
            namespace[f"n{i}"] = _nested_snapshot(nested)
            body.append(f"    o.{name} = None if (v{i} := r.{name}) is None else n{i}(v{i})\n")
    for i, name in enumerate(private):
        namespace[f"p{i}"] = model.__private_attributes__[name].get_default()
        body.append(f"    o.{name} = p{i}\n")
    # Generated from the model's own field names (identifiers), never from input.
    source = f"def snapshot(r):\n    o = new(cls)\n{''.join(body)}    return o\n"
    exec(compile(source, f"<snapshot of {model.__name__}>", "exec"), namespace)
    snapshot: Callable[[Any], Any] = namespace["snapshot"]
    return snapshot


def _nested_view(annotation: Any) -> type[BaseModel] | None:
    """The view a member holds (`X` or `X | None`), else None (answered as the row holds it)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


@functools.cache
def _nested_snapshot(model: type[BaseModel]) -> Callable[[Any], Any]:
    """A nested view from a stored JSON object (by alias; defaults for what it lacks) or an object."""
    of_object = _snapshot(model)
    names = tuple(model.model_fields)
    cls = type(f"{model.__name__}Stored", (), {"__slots__": names, "__module__": __name__})
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__, "MISSING": _MISSING}
    body: list[str] = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        alias = info.alias or name
        inner = _nested_view(info.annotation)
        convert = f"n{i}(v{i})" if inner is not None else f"v{i}"
        if inner is not None:
            namespace[f"n{i}"] = _nested_snapshot(inner)
        if info.is_required():
            read = f"s[{alias!r}]"  # KeyError: a stored object without a required member
            body.append(f"    o.{name} = None if (v{i} := {read}) is None else {convert}\n")
            continue
        # One default per view class, shared: GraphQL only reads what it answers.
        namespace[f"d{i}"] = info.get_default(call_default_factory=True, validated_data={})
        body.append(
            f"    o.{name} = d{i} if (v{i} := s.get({alias!r}, MISSING)) is MISSING else "
            f"(None if v{i} is None else {convert})\n"
        )
    source = f"def stored(s):\n    o = new(cls)\n{''.join(body)}    return o\n"
    exec(compile(source, f"<stored {model.__name__}>", "exec"), namespace)
    stored: Callable[[Any], Any] = namespace["stored"]

    def nested(value: Any) -> Any:
        if isinstance(value, dict):
            return stored(value)
        return value if isinstance(value, model) else of_object(value)

    return nested


_MISSING = object()


def _doc(model: type[BaseModel]) -> str | None:
    return inspect.cleandoc(model.__doc__) if model.__doc__ else None


@strawberry.type(
    description="One page of a list, newest first; a page past the end is empty with the true total."
)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int

    @classmethod
    def of(cls, rows: Rows[Any], convert: Callable[[Any], T]) -> Page[T]:
        return cls(
            items=[convert(row) for row in rows.items],
            page=rows.page,
            page_size=rows.page_size,
            total=rows.total,
        )


@strawberry.type(description="The id of what was deleted.")
class Deleted:
    id: strawberry.ID


def page_request(page: int, page_size: int) -> PageRequest:
    """Out-of-range values are a top-level BAD_USER_INPUT error, as REST's 400."""
    return PageRequest(page=page, page_size=page_size)


async def or_none(call: Awaitable[R]) -> R | None:
    """A single-item query answers null for an id the tenant does not have."""
    try:
        return await call
    except NotFound:
        return None
