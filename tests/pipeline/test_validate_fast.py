"""The validate stage's predicate never passes a record the Draft 2020-12 validator fails."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ezy.pipeline.mapping import ValidateSection
from ezy.pipeline.records import Entry
from ezy.pipeline.schema_fastpath import fast_check
from ezy.pipeline.validate import ValidateStage

NAMES = st.sampled_from(["a", "b", "price", "sku"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-5, 5),
    st.just(float("nan")),
    st.sampled_from(["", "x", "ab", "abc", "x1", "a", "b", "SKU-1"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=8,
)
TYPES = st.sampled_from(["object", "array", "string", "number", "integer", "boolean", "null"])
BOUND = st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False))


def _keywords(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keyword = st.one_of(
        st.tuples(st.just("type"), TYPES | st.lists(TYPES, max_size=3)),
        st.tuples(st.just("properties"), st.dictionaries(NAMES, inner, max_size=3)),
        st.tuples(st.just("additionalProperties"), st.booleans() | inner),
        st.tuples(st.just("required"), st.lists(NAMES, max_size=2)),
        st.tuples(st.just("enum"), st.lists(SCALARS, min_size=1, max_size=3)),
        st.tuples(st.just("const"), SCALARS),
        st.tuples(st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]), BOUND),
        st.tuples(st.sampled_from(["minLength", "maxLength", "minItems", "maxItems"]), st.integers(0, 3)),
        st.tuples(st.just("pattern"), st.sampled_from(["^a", "b$", "[0-9]", "^$"])),
        st.tuples(st.just("items"), inner),
        st.tuples(st.sampled_from(["allOf", "anyOf"]), st.lists(inner, min_size=1, max_size=2)),
        st.tuples(st.sampled_from(["title", "format", "$comment"]), st.just("email")),
    )
    return st.lists(keyword, max_size=4).map(dict)


SCHEMAS = st.recursive(st.just(True) | st.just({}), _keywords, max_leaves=6)


@settings(max_examples=1500, deadline=None)
@given(SCHEMAS, JSON)
def test_the_predicate_only_passes_what_the_validator_passes(schema: Any, instance: Any) -> None:
    check = fast_check(schema)
    assert check is not None  # every keyword drawn above is one the predicate knows
    if check(instance):
        assert Draft202012Validator(schema).is_valid(instance), (schema, instance)


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
        {"prefixItems": [{"type": "string"}], "items": {"type": "number"}},
        {"oneOf": [{"type": "string"}]},
        {"properties": {"a": False}},
        {"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False},
        {"unknownKeyword": 1},
    ],
)
def test_other_keywords_leave_it_all_to_the_validator(schema: dict[str, Any]) -> None:
    assert fast_check(schema) is None


def test_the_stage_still_reports_the_validators_errors() -> None:
    schema = {"type": "object", "properties": {"price": {"type": "number", "minimum": 0}}}
    stage = ValidateStage(ValidateSection(schema=schema))
    result = stage.run([Entry({"price": 1.5}), Entry({"price": -1}), Entry({"price": "1"})])
    assert [e.record for e in result.ok] == [{"price": 1.5}]
    assert [f.message for f in result.failures] == [
        "/price: -1 is less than the minimum of 0",
        "/price: '1' is not of type 'number'",
    ]
