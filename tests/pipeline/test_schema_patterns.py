"""A target schema's regexes run on RE2: a catastrophic pattern answers at once, in a run's validate
stage and in a preview; patterns RE2 cannot run are refused when the mapping is saved."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from ezy.pipeline.mapping import ValidateSection
from ezy.pipeline.records import Entry, StageResult
from ezy.pipeline.validate import ValidateStage
from tests import resources as r
from tests.conftest import TestTenant

EVIL = "a" * 60 + "!"  # with Python's re, `(a+)+$` tries 2**60 ways before it says no
CATASTROPHIC = "(a+)+$"


def validated(schema: dict[str, Any], *records: dict[str, Any]) -> StageResult:
    """The stage's result, or a failure if it has not answered within 30 s (backtracking: hours)."""
    stage = ValidateStage(ValidateSection(required=(), schema=schema))
    answer: list[StageResult] = []
    worker = threading.Thread(
        target=lambda: answer.append(stage.run([Entry(x) for x in records])), daemon=True
    )
    worker.start()
    worker.join(30)
    assert answer, "validation did not finish"
    return answer[0]


def test_a_catastrophic_pattern_answers_at_once_and_still_judges() -> None:
    schema = {"type": "object", "properties": {"sku": {"type": "string", "pattern": CATASTROPHIC}}}
    result = validated(schema, {"sku": EVIL}, {"sku": "aaa"})
    assert [e.record for e in result.ok] == [{"sku": "aaa"}]
    [failure] = result.failures
    assert "does not match" in failure.message and failure.message.startswith("/sku")


@pytest.mark.parametrize("rest", ["additionalProperties", "unevaluatedProperties"])
def test_pattern_properties_and_the_properties_they_set_aside_run_on_re2(rest: str) -> None:
    schema = {"type": "object", "patternProperties": {CATASTROPHIC: {"type": "integer"}}, rest: False}
    result = validated(schema, {EVIL: 1}, {"aa": 1}, {"aa": "x"})
    assert [e.record for e in result.ok] == [{"aa": 1}]
    assert len(result.failures) == 2  # EVIL matches no pattern: not allowed; "x" is not an integer


def test_a_stored_pattern_re2_cannot_run_fails_the_record_with_the_reason() -> None:
    result = validated({"properties": {"a": {"pattern": r"(a)\1"}}}, {"a": "aa"})
    [failure] = result.failures
    assert "not supported" in failure.message and "backreferences" in failure.message


async def test_a_preview_with_a_catastrophic_pattern_answers(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    document = {
        "version": 1,
        "transform": {"fields": {"sku": "sku"}},
        "validate": {"schema": {"type": "object", "properties": {"sku": {"pattern": CATASTROPHIC}}}},
    }
    body = {"document": document, "records": [{"sku": EVIL}, {"sku": "aa"}]}
    answer = await client.post(f"{r.API}/mapping-configurations/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    assert first["stoppedAt"]["stage"] == "validate" and second["stoppedAt"] is None


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"properties": {"a": {"pattern": r"(a)\1"}}}, "/document/validate/schema/properties/a/pattern"),
        ({"properties": {"a": {"pattern": "(?=a)a"}}}, "/document/validate/schema/properties/a/pattern"),
        ({"patternProperties": {"(?<!x)y": {}}}, "/document/validate/schema/patternProperties/(?<!x)y"),
        ({"prefixItems": [{"pattern": "(?!a)"}]}, "/document/validate/schema/prefixItems/0/pattern"),
    ],
)
async def test_a_pattern_re2_cannot_run_is_refused_at_save(
    client: httpx.AsyncClient, tenant: TestTenant, schema: dict[str, Any], pointer: str
) -> None:
    document = {"version": 1, "transform": {"fields": {"a": "a"}}, "validate": {"schema": schema}}
    answer = await client.post(
        f"{r.API}/mapping-configurations", json=r.mapping_body(document=document), headers=tenant.headers
    )
    assert answer.status_code == 422, answer.text
    assert r.pointers(answer) == [pointer]
    assert "no backreferences or lookaround" in answer.json()["errors"][0]["message"]


async def test_a_pattern_in_data_members_is_not_a_regex(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    schema = {"properties": {"a": {"const": {"pattern": "(a)\\1"}, "examples": [{"pattern": "(?=x)"}]}}}
    document = {"version": 1, "transform": {"fields": {"a": "a"}}, "validate": {"schema": schema}}
    await r.make_mapping(client, tenant, document=document)
