"""Typed contracts: the one declaration a resource's REST body, GraphQL type and OpenAPI schema come from.

A domain declares, in `ezy/<domain>/contracts.py`, Pydantic models built on these bases:

    Contract         closed (unknown members are `422 unknown field`), camelCase on the wire
     ├── <X>Input    create and PUT: the whole resource as a client writes it
     ├── <X>Patch     JSON Merge Patch: the same fields, none required; what was sent is `model_fields_set`
     └── View         the resource as clients see it, read from an ORM row (`from_attributes`)

Services take and return these (or rows); REST parses with `parse` and answers with `wire`; the
GraphQL schema decorates the same classes with `strawberry.pydantic`; OpenAPI takes their
`model_json_schema`. Domain code stays free of strawberry and starlette: the schema package adds the
GraphQL side. Records in the pipeline never go through these models (per-record cost).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

from ezy.errors import FieldError, InvalidRequest, ValidationFailed
from ezy.mergepatch import merge_patch
from ezy.schemaerrors import pointer
from ezy.timefmt import parse_rfc3339, rfc3339
from ezy.wireplan import wire_compiled, wire_plan

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound="Filter")

NAME_MAX = 200


class Contract(BaseModel):
    """camelCase on the wire, snake_case in Python; members a model does not declare are refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        # Full validation per request; the hot path (records) never builds these.
        validate_default=False,
        use_enum_values=False,
    )


class View(Contract):
    """A resource as answered: built from an ORM row's attributes."""

    model_config = ConfigDict(from_attributes=True)


class ResourceView(View):
    """What every configuration resource answers besides its own fields."""

    id: UUID
    version: int = Field(
        ge=1, description="The ETag's value: send it back in If-Match to change the resource."
    )
    created_at: datetime
    updated_at: datetime


class Filter(Contract):
    """A list's filters: query parameters in REST, arguments in GraphQL; unset members filter nothing.

    `LOOKUPS` renames a member to its ORM lookup where the two differ (`since` -> `created_at__gte`).
    """

    LOOKUPS: ClassVar[Mapping[str, str]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # Longer than any column a filter compares (names: 200), and PostgreSQL refuses NUL.
        if isinstance(value, str) and (len(value) > NAME_MAX or "\x00" in value):
            raise ValueError(f"must be at most {NAME_MAX} characters, without NUL")
        return value

    def where(self) -> dict[str, Any]:
        """ORM keyword arguments for the members that were given."""
        return {
            self.LOOKUPS.get(name, name): _orm_value(getattr(self, name))
            for name in self.model_fields_set
            if getattr(self, name) is not None
        }


def _orm_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def parse_query(model: type[F], params: Mapping[str, str]) -> F:
    """Query parameters as a filter: an unknown or ill-typed one is a 400, never ignored."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        name = ".".join(str(part) for part in error["loc"]) or "query"
        if error["type"] == "extra_forbidden":
            known = ", ".join(sorted(info.alias or n for n, info in model.model_fields.items())) or "none"
            raise InvalidRequest(f"unknown query parameter {name!r} (filters here: {known})") from None
        message = error_at(error["type"], tuple(error["loc"]), error["msg"]).message
        raise InvalidRequest(f"query parameter {name}: {message.removeprefix(name + ' ')}") from None


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Name = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX, description="Unique within your tenant."),
    AfterValidator(_not_blank),
]
JSONObject = dict[str, Any]
# Any JSON value (a stored record may be an array or a scalar); GraphQL answers it as JSON.
JSONValue = object


def _timestamp(value: Any) -> Any:
    # Pydantic alone would take Unix seconds and bare dates; the API takes RFC 3339 only.
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_rfc3339(value)
        except ValueError:
            pass
    raise ValueError("must be an RFC 3339 timestamp")


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]


def parse(model: type[M], data: Any, *, base: str = "") -> M:
    """`data` (a parsed JSON body or query) as `model`: every invalid member reported at once, as a 422."""
    if not isinstance(data, Mapping):
        raise ValidationFailed(
            "the body must be a JSON object", errors=[FieldError(base, "expected an object")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc, base=base)
        raise ValidationFailed(summary(errors), errors=errors) from None


def field_errors(exc: ValidationError, *, base: str = "") -> list[FieldError]:
    """Pydantic's errors as JSON Pointers into the body and messages that never quote the value."""
    found: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        found.append(error_at(error["type"], tuple(error["loc"]), error["msg"], base=base))
    return list(dict.fromkeys(found))


def error_at(type_: str, loc: tuple[Any, ...], msg: str, *, base: str = "") -> FieldError:
    """One error, from what both REST (`parse`) and strawberry's validation details carry."""
    loc = tuple(part for part in loc if not _is_union_tag(part))
    name = str(loc[-1]) if loc else "body"
    return FieldError(base + pointer(*loc), _message(type_, name, msg))


def _is_union_tag(part: Any) -> bool:
    # Pydantic names the union member it tried ("str", "function-after[...]"); a pointer has no such step.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool", "none"})


_SIMPLE = {
    "missing": "{} is required",
    "extra_forbidden": "unknown field",
    "string_type": "{} must be a string",
    "int_type": "{} must be an integer",
    "int_parsing": "{} must be an integer",
    "int_from_float": "{} must be an integer",
    "bool_type": "{} must be a boolean",
    "bool_parsing": "{} must be a boolean",
    "float_type": "{} must be a number",
    "float_parsing": "{} must be a number",
    "dict_type": "{} must be an object",
    "model_type": "{} must be an object",
    "model_attributes_type": "{} must be an object",
    "list_type": "{} must be an array",
    "uuid_type": "{} must be an id (a UUID)",
    "uuid_parsing": "{} must be an id (a UUID)",
    "datetime_type": "{} must be an RFC 3339 timestamp",
    "datetime_parsing": "{} must be an RFC 3339 timestamp",
    "datetime_from_date_parsing": "{} must be an RFC 3339 timestamp",
}
# Pydantic's bound messages ("String should have at most 200 characters") in the API's voice.
_SHOULD = re.compile(r"^(?:Input|String|List|Dictionary|Value|Object|Decimal) should ")


def _message(type_: str, name: str, msg: str) -> str:
    if type_ in _SIMPLE:
        return _SIMPLE[type_].format(name)
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if type_ == "string_too_short" and msg.endswith("at least 1 character"):
        return f"{name} must not be empty"
    if _SHOULD.match(msg):
        return _SHOULD.sub(f"{name} must ", msg)
    return f"{name} {msg}" if msg.startswith("must ") else msg


def summary(errors: list[FieldError]) -> str:
    if len(errors) == 1:
        return errors[0].message
    return f"{len(errors)} fields are not valid"


# --- answering -----------------------------------------------------------------------------------


def wire(view: BaseModel) -> dict[str, Any]:
    """A view as REST answers it: camelCase members, RFC 3339 timestamps, UUIDs and enums as strings.

    Written by hand rather than `model_dump(mode="json")` because GraphQL refuses field serializers
    (it resolves attributes) and the wire's timestamps have their own form (`rfc3339`).
    """
    return wire_compiled(type(view), view)


def row_answers(model: type[BaseModel]) -> Callable[[Any], dict[str, Any]]:
    """`wire_row` bound to one view, its plan looked up once: `row_answers(V)(row) == wire_row(V, row)`."""
    return wire_plan(model)


def wire_row(model: type[BaseModel], row: Any) -> dict[str, Any]:
    """An ORM row as REST answers `model`, without building the model: rows were validated when written.

    The same members and forms as `wire(view_of(model, row))` (a plan compiled once per view,
    `ezy/wireplan.py`), at the cost of the hand-written dict it replaces.
    """
    return wire_compiled(model, row)


def _jsonable(value: Any) -> Any:
    """A row's member as JSON, for a merge patch to apply to."""
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return wire(value)
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value  # JSON members (config, document, payloads) are already JSON


def columns_of(data: BaseModel, *, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """An input's members as ORM column values (python names are column names; enums as values).

    Services write `columns_of(data)` rather than listing members, so a new member needs no service edit.
    """
    return {name: _orm_value(getattr(data, name)) for name in type(data).model_fields if name not in exclude}


def current_input(model: type[BaseModel], row: Any, **overrides: Any) -> dict[str, Any]:
    """A row's present state as the body `model` would take: what a merge patch is applied to."""
    body = {
        info.alias or name: _jsonable(getattr(row, name))
        for name, info in model.model_fields.items()
        if name not in overrides
    }
    return body | {model.model_fields[name].alias or name: value for name, value in overrides.items()}


def patched(model: type[M], row: Any, patch: BaseModel, **overrides: Any) -> M:
    """`row` with a JSON Merge Patch applied, parsed as `model` (its pointers are the body's)."""
    present = current_input(model, row, **overrides)
    return parse(
        model, merge_patch(present, patch.model_dump(by_alias=True, exclude_unset=True, mode="json"))
    )


def view_of(model: type[M], row: Any) -> M:
    """An ORM row (or any object with the attributes) as `model`."""
    return model.model_validate(row, from_attributes=True)
