"""A small GraphQL client over the app's test client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import TestTenant


class GraphQLClient:
    __test__ = False

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole answer (`data` and `errors`); always HTTP 200 for an authenticated caller."""
        response = await self.raw(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data`, asserting there were no top-level errors."""
        body = await self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        body = await self.execute(query, variables)
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors


@pytest.fixture
def gql(client: httpx.AsyncClient, tenant: TestTenant) -> GraphQLClient:
    return GraphQLClient(client, tenant.headers)


@pytest.fixture
def other_gql(client: httpx.AsyncClient, other_tenant: TestTenant) -> GraphQLClient:
    return GraphQLClient(client, other_tenant.headers)
