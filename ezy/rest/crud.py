"""The six routes every configuration resource shares, built once from its service functions.

Each handler parses, calls one service function and shapes the answer with the service's `view`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.context import TenantContext
from ezy.contract import Contract, Filter, View, parse, parse_query, row_answers
from ezy.pagination import Page, PageRequest
from ezy.rest.http import if_match, json_object, no_content, ok, page_request, query_filters, tenant_of


@dataclass(frozen=True)
class Resource:
    """A service module's CRUD functions, as the service convention names them."""

    path: str  # "/connection-profiles"
    create: Callable[[TenantContext, dict[str, Any]], Awaitable[Any]]
    get: Callable[[TenantContext, object], Awaitable[Any]]
    list_page: Callable[[TenantContext, PageRequest, dict[str, str]], Awaitable[Page[Any]]]
    replace: Callable[[TenantContext, object, dict[str, Any], int], Awaitable[Any]]
    patch: Callable[[TenantContext, object, dict[str, Any], int], Awaitable[Any]]
    delete: Callable[[TenantContext, object, int], Awaitable[None]]
    view: Callable[[Any], dict[str, Any]]
    # What `create` returned -> (the row, extra members of the 201 answer, e.g. a one-time secret).
    created: Callable[[Any], tuple[Any, dict[str, Any]]] = lambda row: (row, {})

    def location(self, row: Any) -> str:
        return f"/api/v1{self.path}/{row.id}"

    def one(self, row: Any, *, status: int = 200, extra: dict[str, Any] | None = None) -> Response:
        """One resource with its ETag (and Location when created)."""
        location = self.location(row) if status == 201 else None
        return ok({**self.view(row), **(extra or {})}, status=status, version=row.version, location=location)


def crud_routes(res: Resource) -> list[Route]:
    async def list_(request: Request) -> Response:
        page = await res.list_page(tenant_of(request), page_request(request), query_filters(request))
        return ok(page.as_dict(res.view))

    async def create_(request: Request) -> Response:
        row, extra = res.created(await res.create(tenant_of(request), await json_object(request)))
        return res.one(row, status=201, extra=extra)

    async def get_(request: Request) -> Response:
        return res.one(await res.get(tenant_of(request), request.path_params["id"]))

    async def replace_(request: Request) -> Response:
        version, body = if_match(request), await json_object(request)
        return res.one(await res.replace(tenant_of(request), request.path_params["id"], body, version))

    async def patch_(request: Request) -> Response:
        version, body = if_match(request), await json_object(request)
        return res.one(await res.patch(tenant_of(request), request.path_params["id"], body, version))

    async def delete_(request: Request) -> Response:
        await res.delete(tenant_of(request), request.path_params["id"], if_match(request))
        return no_content()

    one = f"{res.path}/{{id}}"
    return [
        Route(res.path, list_, methods=["GET"]),
        Route(res.path, create_, methods=["POST"]),
        Route(one, get_, methods=["GET"]),
        Route(one, replace_, methods=["PUT"]),
        Route(one, patch_, methods=["PATCH"]),
        Route(one, delete_, methods=["DELETE"]),
    ]


@dataclass(frozen=True)
class TypedResource:
    """A configuration resource declared by its contracts (`ezy/<domain>/contracts.py`).

    Bodies are parsed into `input`/`patch`, query parameters into `filter`, rows answered as `view`;
    OpenAPI names the components `<Name>`, `<Name>Input`, `<Name>Patch` after `name`.
    """

    path: str  # "/connection-profiles"
    name: str  # "ConnectionProfile"
    view: type[View]
    input: type[Contract]
    patch: type[Contract]
    filter: type[Filter]
    create: Callable[[TenantContext, Any], Awaitable[Any]]
    get: Callable[[TenantContext, object], Awaitable[Any]]
    list_page: Callable[[TenantContext, PageRequest, Any], Awaitable[Page[Any]]]
    replace: Callable[[TenantContext, object, Any, int], Awaitable[Any]]
    update: Callable[[TenantContext, object, Any, int], Awaitable[Any]]
    delete: Callable[[TenantContext, object, int], Awaitable[None]]
    # What `create` returned -> (the row, extra members of the 201 answer, e.g. a one-time secret).
    created: Callable[[Any], tuple[Any, dict[str, Any]]] = lambda row: (row, {})

    def components(self) -> dict[str, type[BaseModel]]:
        return {self.name: self.view, f"{self.name}Input": self.input, f"{self.name}Patch": self.patch}

    def as_resource(self) -> Resource:
        """The routes of the untyped shell, parsing into the contracts before the service sees them."""

        async def create(ctx: TenantContext, body: dict[str, Any]) -> Any:
            return await self.create(ctx, parse(self.input, body))

        async def list_page(ctx: TenantContext, page: PageRequest, query: dict[str, str]) -> Page[Any]:
            return await self.list_page(ctx, page, parse_query(self.filter, query))

        async def replace(ctx: TenantContext, id: object, body: dict[str, Any], version: int) -> Any:
            return await self.replace(ctx, id, parse(self.input, body), version)

        async def update(ctx: TenantContext, id: object, body: dict[str, Any], version: int) -> Any:
            return await self.update(ctx, id, parse(self.patch, body), version)

        answer = row_answers(self.view)
        return Resource(
            self.path, create, self.get, list_page, replace, update, self.delete, answer, self.created
        )


def typed_routes(res: TypedResource) -> list[Route]:
    return crud_routes(res.as_resource())
