"""Query depth, aliases and tokens are limited; a refused query is HTTP 200 with `errors` and no data."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query

from schema.extensions import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.graphql.conftest import GraphQLClient


def _nested(depth: int) -> str:
    """`depth` levels of selections (the limiter checks the shape before fields are resolved)."""
    inner = "id"
    for level in range(depth - 3):
        inner = f"f{level} {{ {inner} }}"
    return f"{{ apiKeys {{ items {{ {inner} }} }} }}"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: apiKeys {{ total }}" for i in range(count)) + " }"


def _tokens(count: int) -> str:
    """`count` tokens: a long list literal (many equal fields would trip the overlapping-fields
    rule's own budget, so the token limit would not be what is tested)."""
    return "{ previewMapping(records: [" + " ".join(["0"] * (count - 12)) + "]) { __typename } }"


@pytest.mark.parametrize(
    "query",
    [pytest.param(_aliases(MAX_ALIASES), id="aliases"), pytest.param(_tokens(MAX_TOKENS), id="tokens")],
)
async def test_a_query_at_a_limit_runs(gql: GraphQLClient, query: str) -> None:
    assert (await gql.execute(query)).get("errors") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param(_nested(MAX_DEPTH + 2), "exceeds maximum operation depth", id="depth"),
        pytest.param(_aliases(MAX_ALIASES + 1), "aliases found", id="aliases"),
        pytest.param(_tokens(MAX_TOKENS + 1), f"more than {MAX_TOKENS} tokens", id="tokens"),
    ],
)
async def test_a_query_over_a_limit_is_refused(gql: GraphQLClient, query: str, message: str) -> None:
    body = await gql.execute(query)
    assert body.get("data") is None
    assert any(message in error["message"] for error in body["errors"]), body["errors"]


async def test_graphiqls_introspection_query_fits_the_limits(gql: GraphQLClient) -> None:
    body = await gql.execute(get_introspection_query(descriptions=True))
    assert body.get("errors") is None
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
