"""A mapping whose fields all compile runs as one generated function, with the same answers
and the same per-field failures as evaluating field by field through the interpreter."""

from __future__ import annotations

from typing import Any

from ezy.expressions import compile_fields
from ezy.expressions._jsonata import JsonataExpression
from ezy.pipeline.mapping import TransformSection
from ezy.pipeline.records import Entry, RecordFailure
from ezy.pipeline.transform import TransformStage

FIELDS = {
    "externalId": "$string(id)",
    "sku": "variants[0].sku",
    "skus": "variants.sku",
    "title": "$trim(title)",
    "price": "$number(variants[0].price)",
    "total": "$sum(variants.($number(price) * qty))",
    "tags": "$split(tags, ', ')",
    "label": "vendor & ' / ' & $uppercase(status)",
    "cheap": "variants[$number(price) < 10].sku",
    "meta": '{"vendor": vendor, "missing": nothing, "null": null}',
}
RECORDS: list[Any] = [
    {
        "id": 7,
        "title": "  Classic   Mug ",
        "tags": "Red, M",
        "vendor": "Acme",
        "status": "active",
        "variants": [{"sku": "A", "price": "9.50", "qty": 2}, {"sku": "B", "price": "12", "qty": 1}],
    },
    {"id": 8, "title": "Solo", "variants": {"sku": "S", "price": "3", "qty": 1}, "status": "draft"},
    {"id": 9, "variants": [], "vendor": None},
]


def interpreted(record: Any) -> dict[str, Any]:
    return {name: JsonataExpression(source).evaluate(record) for name, source in FIELDS.items()}


def test_whole_mapping_compiles_into_one_function_with_the_interpreters_answers() -> None:
    function = compile_fields(FIELDS)
    assert function is not None
    for record in RECORDS:
        assert function(record) == interpreted(record)
    assert compile_fields({**FIELDS, "range": "[1..3]"}) is None  # one interpreted field: none


def test_stage_output_and_failures_match_field_by_field() -> None:
    stage = TransformStage(TransformSection(key="$string(id)", fields=FIELDS))
    broken = {"id": 10, "variants": [{"sku": "X", "price": "not a number", "qty": 1}]}
    result = stage.run([Entry(record) for record in [*RECORDS, broken]])
    assert [entry.record for entry in result.ok] == [interpreted(record) for record in RECORDS]
    (failure,) = result.failures
    assert isinstance(failure, RecordFailure)
    assert failure.details == {"pointer": "/transform/fields/price"}
    assert failure.message == "price: cannot convert to a number: 'not a number'"
