from __future__ import annotations

from typing import Any

import pytest

from ezy.errors import FieldError
from ezy.pipeline.mapping import MappingDocumentError, compile_mapping, validate_mapping_document

VALID: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 250},
    "normalize": {
        "trimStrings": True,
        "emptyAsNull": True,
        "timestamps": ["updated_at"],
        "numbers": ["variants[*].price"],
    },
    "transform": {
        "key": "id",
        "filter": "status = 'active'",
        "fields": {
            "externalId": "$string(id)",
            "sku": "variants[0].sku",
            "price": "$number(variants[0].price)",
        },
        "defaults": {"currency": "USD"},
    },
    "validate": {"required": ["externalId", "sku"], "schema": {"type": "object"}},
    "load": {
        "resource": "items",
        "mode": "upsert",
        "keys": ["externalId"],
        "batchSize": 500,
        "createTable": False,
    },
}


def with_changes(**sections: Any) -> dict[str, Any]:
    doc = {**VALID}
    for name, section in sections.items():
        doc[name] = {**VALID.get(name, {}), **section} if isinstance(section, dict) else section
    return doc


def test_the_documented_example_is_valid() -> None:
    assert validate_mapping_document(VALID) == []


@pytest.mark.parametrize(
    ("doc", "pointer", "message"),
    [
        pytest.param({**VALID, "extras": 1}, "/extras", "unknown field", id="unknown-top-level-key"),
        pytest.param(
            with_changes(load={"mode": "merge"}), "/load/mode", "'merge' is not one of", id="mode-enum"
        ),
        pytest.param(
            with_changes(load={"batchSize": 0}), "/load/batchSize", "less than the minimum", id="batch-min"
        ),
        pytest.param(
            with_changes(extract={"batchSize": 10001}), "/extract/batchSize", "maximum", id="batch-max"
        ),
        pytest.param({"extract": {}}, "/version", "is required", id="version-required"),
        pytest.param(
            with_changes(load={"resource": "t", "mode": "upsert", "keys": None}),
            "/load/keys",
            "not of type",
            id="keys",
        ),
        pytest.param(
            with_changes(transform={"fields": {"price": "$number(variants[0].price"}}),
            "/transform/fields/price",
            "expression syntax error",
            id="field-syntax",
        ),
        pytest.param(
            with_changes(transform={"fields": {"a/b": "x +"}}),
            "/transform/fields/a~1b",
            "syntax",
            id="escaped-pointer",
        ),
        pytest.param(
            with_changes(transform={"filter": "status = "}), "/transform/filter", "syntax", id="filter-syntax"
        ),
        pytest.param(with_changes(transform={"key": "("}), "/transform/key", "syntax", id="key-syntax"),
        pytest.param(
            with_changes(validate={"schema": {"type": "nonsense"}}),
            "/validate/schema/type",
            "invalid JSON Schema",
            id="schema",
        ),
        pytest.param(
            with_changes(load={"keys": ["nope"]}),
            "/load/keys/0",
            "not an output field",
            id="key-not-produced",
        ),
    ],
)
def test_errors_point_at_the_field(doc: Any, pointer: str, message: str) -> None:
    errors = validate_mapping_document(doc)
    assert any(e.pointer == pointer and message in e.message for e in errors), errors


def test_parse_fills_defaults_and_rejects_invalid_documents() -> None:
    parsed = compile_mapping({"version": 1, "load": {"resource": "t", "mode": "insert"}})
    assert (parsed.extract.batch_size, parsed.load.batch_size, parsed.load.mode) == (250, 500, "insert")
    assert parsed.transform.fields is None and parsed.normalize.key_case is None
    with pytest.raises(MappingDocumentError) as raised:
        compile_mapping({"version": 2})
    assert raised.value.errors == [FieldError("/version", "1 was expected")]
