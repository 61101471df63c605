from __future__ import annotations

import copy
from typing import Any

import pytest

from ezy.pipeline.mapping import NormalizeSection
from ezy.pipeline.normalize import NormalizeStage
from ezy.pipeline.records import Entry


def normalize(record: Any, **options: Any) -> Any:
    result = NormalizeStage(NormalizeSection(**options)).run([Entry(record)])
    if result.failures:
        return result.failures[0].code, result.failures[0].message
    return result.ok[0].record


@pytest.mark.parametrize(
    ("options", "record", "expected"),
    [
        pytest.param(
            {"trim_strings": True}, {"a": "  x ", "b": [" y"]}, {"a": "x", "b": ["y"]}, id="trim-nested"
        ),
        pytest.param({"empty_as_null": True}, {"a": "", "b": " "}, {"a": None, "b": " "}, id="empty-as-null"),
        pytest.param(
            {"trim_strings": True, "empty_as_null": True},
            {"a": "  "},
            {"a": None},
            id="blank-trimmed-then-null",
        ),
        pytest.param(
            {"numbers": ("variants[*].price", "qty")},
            {"qty": "3", "variants": [{"price": "19.99"}, {"price": 5}, {"price": None}]},
            {"qty": 3, "variants": [{"price": 19.99}, {"price": 5}, {"price": None}]},
            id="numbers-through-arrays",
        ),
        pytest.param({"numbers": ("missing.deep",)}, {"a": 1}, {"a": 1}, id="absent-number-path-is-fine"),
        pytest.param(
            {"timestamps": ("updated_at",)},
            {"updated_at": "2026-03-01T10:00:00-05:00"},
            {"updated_at": "2026-03-01T15:00:00Z"},
            id="timestamp-to-utc",
        ),
        pytest.param(
            {"timestamps": ("t",)},
            {"t": "2026-03-01 10:00:00"},
            {"t": "2026-03-01T10:00:00Z"},
            id="naive-is-utc",
        ),
        pytest.param({"timestamps": ("t",)}, {"t": 0}, {"t": "1970-01-01T00:00:00Z"}, id="epoch-seconds"),
        pytest.param(
            {"key_case": "camel", "timestamps": ("updated_at",)},
            {"updated_at": "2026-03-01T10:00:00Z", "line_items": [{"unit_price": 1}]},
            {"updatedAt": "2026-03-01T10:00:00Z", "lineItems": [{"unitPrice": 1}]},
            id="camel-case-with-source-paths",
        ),
        pytest.param(
            {"key_case": "snake"},
            {"updatedAt": 1, "HTTPCode": 2},
            {"updated_at": 1, "http_code": 2},
            id="snake",
        ),
        pytest.param(
            {"numbers": ("p",)}, {"p": "12abc"}, ("normalize_error", "not a number: '12abc'"), id="bad-number"
        ),
        pytest.param(
            {"timestamps": ("t",)},
            {"t": "soon"},
            ("normalize_error", "not a timestamp: 'soon'"),
            id="bad-time",
        ),
        pytest.param({}, [1, 2], ("not_an_object", "record is an array"), id="array-record"),
    ],
)
def test_normalize(options: dict[str, Any], record: Any, expected: Any) -> None:
    assert normalize(record, **options) == expected


def test_normalize_leaves_the_input_record_untouched() -> None:
    record = {"a": " x ", "variants": [{"price": "1.5"}]}
    before = copy.deepcopy(record)
    normalize(record, trim_strings=True, numbers=("variants[*].price",), key_case="camel")
    assert record == before
