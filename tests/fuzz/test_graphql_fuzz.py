"""Schemathesis over the GraphQL schema (the checked-in SDL, which a test keeps equal to the served
one), in-process: no 5xx and no masked INTERNAL_SERVER_ERROR, and every answer fits the schema."""

from __future__ import annotations

from pathlib import Path

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TestTenant
from tests.fuzz.generate import generated

pytestmark = pytest.mark.fuzz


def _json_object(members: dict[str, graphql.ValueNode]) -> graphql.ValueNode:
    fields = [graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in members.items()]
    return nodes.Object(fields)


# `JSON` (records, mapping documents, options) as literals: small objects, any values.
schemathesis.graphql.scalar(
    "JSON",
    st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True),  # GraphQL names
        st.one_of(st.integers(-(2**40), 2**40).map(nodes.Int), st.text(max_size=12).map(nodes.String)),
        max_size=4,
    ).map(_json_object),
)
SDL = Path(__file__).parents[2] / "schema" / "schema.graphql"
EXAMPLES = 4
CHECKS = [not_a_server_error, response_schema_conformance]


async def send(client: httpx.AsyncClient, case: Case, headers: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=headers)
    kwargs.pop("cookies", None)
    return await client.request(**{**kwargs, "url": "http://test/graphql"})


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
async def test_no_field_answers_5xx_or_an_internal_error(
    client: httpx.AsyncClient, tenant: TestTenant, mode: GenerationMode
) -> None:
    schema = schemathesis.graphql.from_file(SDL.read_text())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for case in generated(operation.as_strategy(generation_mode=mode), EXAMPLES):
            for headers in (tenant.headers, {}):
                response = await send(client, case, headers)
                if "INTERNAL_SERVER_ERROR" in response.text:
                    failures.append(f"{operation.label}: masked internal error\n{case.body}")
                    continue
                if not headers:
                    assert response.status_code == 401, response.text
                    continue
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except Exception as exc:  # schemathesis' FailureGroup: each failed check
                    failures.append(f"{operation.label} -> {response.status_code}: {exc}\n{case.body}")
    assert not failures, "\n\n".join(failures[:20])
