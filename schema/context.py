"""The per-request context: who is asking (from the ApiKey middleware) and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from ezy.context import TenantContext
from ezy.errors import Unauthenticated
from schema.loaders import Loaders

TENANT_SCOPE_KEY = "ezy.tenant"


@dataclass
class GraphQLContext:
    request: Request | WebSocket
    response: Response | WebSocket | None = None
    # Set by the middleware (HTTP) or at `connection_init` (WebSocket); None until authenticated.
    tenant: TenantContext | None = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @classmethod
    def for_request(
        cls, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> GraphQLContext:
        tenant = request.scope.get(TENANT_SCOPE_KEY)
        return cls(
            request=request, response=response, tenant=tenant if isinstance(tenant, TenantContext) else None
        )

    @property
    def ctx(self) -> TenantContext:
        """The caller's tenant; a request without a valid key never reaches a resolver's service call."""
        if self.tenant is None:
            raise Unauthenticated("send `Authorization: ApiKey <key>`")
        return self.tenant

    @property
    def loaders(self) -> Loaders:
        """Created on first use, once per request (or per WebSocket connection), for the caller's tenant."""
        if self._loaders is None:
            self._loaders = Loaders(self.ctx)
        return self._loaders


Info: TypeAlias = strawberry.Info[GraphQLContext, None]
