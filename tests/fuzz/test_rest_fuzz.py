"""Schemathesis over /openapi.json, in-process: no 5xx, and every answer is what the document says.

Every operation, with valid (positive) and invalid (negative) data, each case sent with the tenant's
key and without one. Hypothesis is derandomized and bounded, so a run is repeatable and takes seconds.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import TestTenant
from tests.fuzz.generate import generated

pytestmark = pytest.mark.fuzz
EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


async def send(client: httpx.AsyncClient, case: Case, headers: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=headers)
    kwargs.pop("cookies", None)
    # Generated header values may hold characters HTTP cannot carry; send what a client could.
    kwargs["headers"] = {k: str(v).encode("latin-1", "replace") for k, v in kwargs["headers"].items()}
    return await client.request(**kwargs)


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
async def test_no_operation_answers_5xx_or_off_its_schema(
    client: httpx.AsyncClient, tenant: TestTenant, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_dict((await client.get("/openapi.json")).json())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            cases = generated(operation.as_strategy(generation_mode=mode), EXAMPLES)
        except Unsatisfiable:  # nothing in this operation can be made invalid
            continue
        for case in cases:
            for headers in (tenant.headers, {}):
                response = await send(client, case, headers)
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except Exception as exc:  # schemathesis' FailureGroup: each failed check
                    failures.append(
                        f"{operation.label} -> {response.status_code}: {exc}\n{case.as_curl_command()}"
                    )
    assert not failures, "\n\n".join(failures[:20])
