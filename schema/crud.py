"""The queries and mutations every configuration resource shares, built once from its contracts.

A domain module declares a `Crud` (its GraphQL name, contract types, filter and service) and gets
`<plural>(page, pageSize, <filters>)`, `<one>(id)`, `create<Name>`, `replace<Name>`, `update<Name>`
and `delete<Name>`, with the payload and result unions named as before (`<Name>Payload`,
`Create<Name>Result`, ...). What is particular to a resource (actions, relations) stays in its module.
Resolvers parse nothing themselves: strawberry validates inputs with the contracts, the service does
the rest, and `schema.errors` turns domain errors into the union members.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Optional, Protocol, Union

import strawberry
from pydantic import BaseModel
from strawberry.utils.str_converters import to_snake_case

from ezy.context import TenantContext
from ezy.contract import Filter, parse_query
from ezy.pagination import DEFAULT_PAGE_SIZE, PageRequest
from ezy.pagination import Page as Rows
from schema.common import Deleted, Page, PageArg, PageSizeArg, VersionArg, as_view, or_none, page_request
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError


class CrudService(Protocol):
    """The service convention: what `ezy/<domain>/service.py` exposes for a configuration resource."""

    async def create(self, ctx: TenantContext, data: Any) -> Any: ...
    async def get(self, ctx: TenantContext, id: object) -> Any: ...
    async def list_page(self, ctx: TenantContext, page: PageRequest, filters: Any) -> Rows[Any]: ...
    async def replace(self, ctx: TenantContext, id: object, data: Any, expected_version: int) -> Any: ...
    async def patch(self, ctx: TenantContext, id: object, patch: Any, expected_version: int) -> Any: ...
    async def delete(self, ctx: TenantContext, id: object, expected_version: int) -> None: ...


@dataclass(frozen=True)
class Crud:
    name: str  # the GraphQL type: "ConnectionProfile"
    noun: str  # in descriptions: "connection profile"
    view: type[BaseModel]  # the contract's GraphQL type (`contract_type`), rows are answered as it
    input: type[BaseModel]
    patch: type[BaseModel]
    filter: type[Filter]
    service: CrudService
    named: bool = True  # names are unique: create and write can be a ConflictError
    referenced: bool = True  # others use it: delete can be a ConflictError naming them
    # create answers something else than `<Name>Payload` (a webhook endpoint's one-time secret)
    created: tuple[type, Callable[[Any], Any]] | None = None

    @property
    def field(self) -> str:
        return to_snake_case(self.name)

    def payload_type(self) -> type:
        cls = type(f"{self.name}Payload", (), {"__annotations__": {self.field: self.view}})
        return strawberry.type(cls)


REQUIRED = inspect.Parameter.empty
REQUIRED_ID = (strawberry.ID, REQUIRED)


def _union(name: str, *members: type) -> Any:
    return Annotated[Union[members], strawberry.union(name)]  # noqa: UP007 (a runtime tuple)


def _resolver(name: str, fn: Callable[..., Awaitable[Any]], params: dict[str, Any], returns: Any) -> Any:
    """`fn` under the GraphQL name `name`, with the arguments strawberry reads from its signature."""
    fn.__name__ = name
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters.append(inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=Info))
    for arg, (annotation, default) in params.items():
        parameters.append(
            inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
        )
    fn.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    return fn


def crud_queries(res: Crud, plural: str) -> type:
    """`<plural>(page, pageSize, <the filter's members>)` and `<one>(id)`."""
    filters = {name: (Optional[info.annotation], None) for name, info in res.filter.model_fields.items()}  # noqa: UP045

    async def list_(self: Any, info: Info, page: int, page_size: int, **given: Any) -> Page[Any]:
        where = parse_query(res.filter, {k: v for k, v in given.items() if v is not None})
        rows = await res.service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, lambda row: as_view(res.view, row))

    async def one(self: Any, info: Info, id: strawberry.ID) -> Any:
        row = await or_none(res.service.get(info.context.ctx, id))
        return as_view(res.view, row) if row else None

    page_args = {"page": (PageArg, 1), "page_size": (PageSizeArg, DEFAULT_PAGE_SIZE)}
    known = ", ".join(f"`{n}`" for n in res.filter.model_fields) or "nothing"
    namespace = {
        plural: strawberry.field(
            resolver=_resolver(plural, list_, page_args | filters, Page[res.view]),  # type: ignore[name-defined]
            description=f"Your {res.noun}s, newest first; filters by {known}.",
        ),
        res.field: strawberry.field(
            resolver=_resolver(res.field, one, {"id": REQUIRED_ID}, Optional[res.view]),  # noqa: UP045
            description=f"One {res.noun}; null when your tenant has none with this id.",
        ),
    }
    return strawberry.type(type(f"{res.name}Queries", (), namespace))


def crud_mutations(res: Crud) -> type:
    """`create<Name>`, `replace<Name>`, `update<Name>` (merge patch) and `delete<Name>`."""
    payload = res.payload_type()
    conflict = (ConflictError,) if res.named else ()
    created_type, created_of = res.created or (payload, lambda row: payload(**{res.field: row}))
    create_result = _union(f"Create{res.name}Result", created_type, ValidationError, *conflict)
    write_result = _union(
        f"Write{res.name}Result", payload, ValidationError, NotFoundError, *conflict, VersionMismatchError
    )
    delete_conflict = (ConflictError,) if res.referenced else ()
    delete_result = _union(
        f"Delete{res.name}Result", Deleted, NotFoundError, *delete_conflict, VersionMismatchError
    )
    versioned = {"id": REQUIRED_ID, "expected_version": (VersionArg, REQUIRED)}

    async def create(self: Any, info: Info, input: Any) -> Any:
        return created_of(await res.service.create(info.context.ctx, input))

    async def replace(self: Any, info: Info, id: str, expected_version: int, input: Any) -> Any:
        return payload(
            **{res.field: await res.service.replace(info.context.ctx, id, input, expected_version)}
        )

    async def update(self: Any, info: Info, id: str, expected_version: int, patch: Any) -> Any:
        return payload(**{res.field: await res.service.patch(info.context.ctx, id, patch, expected_version)})

    async def delete(self: Any, info: Info, id: str, expected_version: int) -> Any:
        await res.service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=strawberry.ID(id))

    name = res.field
    namespace = {
        f"create_{name}": strawberry.mutation(
            resolver=_resolver(f"create_{name}", create, {"input": (res.input, REQUIRED)}, create_result),
            description=f"A new {res.noun} (REST's POST).",
        ),
        f"replace_{name}": strawberry.mutation(
            resolver=_resolver(
                f"replace_{name}", replace, versioned | {"input": (res.input, REQUIRED)}, write_result
            ),
            description=f"Replaces the whole {res.noun} (REST's PUT).",
        ),
        f"update_{name}": strawberry.mutation(
            resolver=_resolver(
                f"update_{name}", update, versioned | {"patch": (res.patch, REQUIRED)}, write_result
            ),
            description="Changes the given fields (REST's PATCH, JSON Merge Patch): null removes one.",
        ),
        f"delete_{name}": strawberry.mutation(
            resolver=_resolver(f"delete_{name}", delete, versioned, delete_result),
            description=f"Deletes the {res.noun}"
            + ("; a ConflictError names what still uses it." if res.referenced else "."),
        ),
    }
    return strawberry.type(type(f"{res.name}CrudMutations", (), namespace))
