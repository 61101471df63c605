from __future__ import annotations

from typing import Any

import pytest

from ezy.pipeline import preview
from ezy.pipeline.preview import PreviewOutOfBudget

DOC: dict[str, Any] = {
    "version": 1,
    "normalize": {"trimStrings": True, "numbers": ["price"]},
    "transform": {
        "key": "id",
        "filter": "status = 'active'",
        "fields": {"id": "id", "title": "title", "price": "price * 2"},
    },
    "validate": {"required": ["title"]},
}


def test_preview_shows_each_stage_and_the_fields() -> None:
    (result,) = preview(DOC, [{"id": 1, "title": " Mug ", "price": "2.5", "status": "active"}])
    assert result == {
        "input": {"id": 1, "title": " Mug ", "price": "2.5", "status": "active"},
        "stages": {
            "normalize": {"id": 1, "title": "Mug", "price": 2.5, "status": "active"},
            "transform": {"id": 1, "title": "Mug", "price": 5.0},
            "validate": {"id": 1, "title": "Mug", "price": 5.0},
        },
        "output": {"id": 1, "title": "Mug", "price": 5.0},
        "stoppedAt": None,
        "fields": {
            "id": {"value": 1, "compiled": "path", "error": None},
            "title": {"value": "Mug", "compiled": "path", "error": None},
            "price": {"value": 5.0, "compiled": "compiled", "error": None},
        },
    }


def test_preview_says_where_and_why_a_record_stopped() -> None:
    filtered, missing, broken, not_object = preview(
        DOC,
        [
            {"id": 1, "status": "draft"},
            {"id": 2, "status": "active", "price": "1"},
            {"id": 3, "status": "active", "price": "x1"},
            "text",
        ],
    )
    assert filtered["stoppedAt"] == {"stage": "transform", "code": "filtered", "message": "filter is false"}
    assert filtered["output"] is None and filtered["stages"]["normalize"] is not None
    assert missing["stoppedAt"]["code"] == "required_missing"
    assert missing["stages"]["transform"] == {"id": 2, "title": None, "price": 2}
    assert broken["stoppedAt"]["stage"] == "normalize"
    assert not_object["stoppedAt"]["code"] == "not_an_object"


def test_preview_stops_at_an_expression_out_of_budget() -> None:
    doc = {"version": 1, "transform": {"fields": {"id": "id", "pad": '$pad("", width)'}}}
    with pytest.raises(PreviewOutOfBudget) as raised:
        preview(doc, [{"id": 1, "width": 3}, {"id": 2, "width": 10**9}])
    assert raised.value.index == 1
    assert raised.value.pointer == "/transform/fields/pad"
    assert str(raised.value) == (
        "record 1: pad: expression built a string of 1,000,000,000 characters; its budget is 1,000,000"
    )
