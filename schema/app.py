"""The GraphQL endpoint (filled by the configuration API work)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def graphql_routes() -> list[BaseRoute]:
    return []
