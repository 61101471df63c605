"""A view's compiled wire plan answers exactly what `wire(view_of(...))` answers, from the same rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from ezy.connections.contracts import ConnectionProfileView
from ezy.connections.models import ConnectionProfile
from ezy.contract import View, view_of, wire
from ezy.runs.contracts import EntityErrorView, SyncEventView, SyncLogView
from ezy.runs.models import EntityError, PipelineStage, SyncLog, SyncStatus, SyncTrigger
from ezy.wireplan import wire_compiled

NOW = datetime(2026, 11, 30, 6, 40, 20, 199913, tzinfo=UTC)
FULL_STAGES = {
    "extract": {"in": 10, "out": 10, "failed": 0, "ms": 1.5},
    "normalize": {"in": 10, "out": 9, "failed": 1, "ms": 0.2},
    "transform": {"in": 9, "out": 8, "failed": 0, "ms": 3.0, "skipped": 1},
    "validate": {"in": 8, "out": 8, "failed": 0, "ms": 0.1},
    "load": {"in": 8, "out": 8, "failed": 0, "ms": 12.3},
}


def _log(**overrides: Any) -> SyncLog:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": uuid.uuid4(),
        "instance_id": uuid.uuid4(),
        "correlation_id": uuid.uuid4(),
        "trigger": SyncTrigger.API,
        "status": SyncStatus.PARTIAL,
        "total": 10,
        "success": 8,
        "failed": 1,
        "skipped": 1,
        "stages": FULL_STAGES,
        "attempt": 2,
        "overlap": "waited",
        "created_at": NOW,
        "started_at": NOW + timedelta(seconds=1),
        "finished_at": NOW.replace(microsecond=0),
        "error": "1 of 10 records failed",
    }
    return SyncLog(**(values | overrides))


LOGS = [
    pytest.param(_log(), id="every-member"),
    pytest.param(_log(stages={}, started_at=None, finished_at=None, error=None, overlap=None), id="queued"),
    pytest.param(_log(stages={"extract": {"in": 3, "out": 3, "failed": 0, "ms": 2}}), id="int-ms-and-gaps"),
    pytest.param(_log(stages={"load": {"in": 1, "future": 7}}), id="unknown-stored-member"),
    pytest.param(_log(trigger="schedule", status="succeeded"), id="values-not-enums"),
    pytest.param(
        _log(created_at=datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))), id="other-offset"
    ),
]


def _same(model: type[BaseModel], row: Any) -> None:
    assert issubclass(model, View)
    assert orjson.dumps(wire_compiled(model, row)) == orjson.dumps(wire(view_of(model, row)))


@pytest.mark.parametrize("row", LOGS)
def test_a_sync_log_answers_as_its_view(row: SyncLog) -> None:
    _same(SyncLogView, row)


def test_a_missing_stage_is_answered_zeros_and_answers_share_no_dict() -> None:
    first, second = (wire_compiled(SyncLogView, _log(stages={})) for _ in range(2))
    assert first["stages"]["load"] == {"in": 0, "out": 0, "failed": 0, "ms": 0.0}
    assert first["stages"]["transform"]["skipped"] == 0
    first["stages"]["load"]["in"] = 99
    assert second["stages"]["load"]["in"] == 0


def test_an_entity_error_and_a_profile_answer_as_their_views() -> None:
    error = EntityError(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        sync_log_id=uuid.uuid4(),
        entity_key=None,
        stage=PipelineStage.VALIDATE,
        code="schema_invalid",
        message="price must be at most 100",
        details={"pointer": "/price", "nested": [1, {"a": None}]},
        dead_letter_id=None,
        created_at=NOW,
    )
    _same(EntityErrorView, error)
    _same(EntityErrorView, EntityError(**{**error.__dict__, "dead_letter_id": uuid.uuid4(), "stage": "load"}))
    profile = ConnectionProfile(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        name="src",
        kind="sample",
        config={"count": 5},
        secret_keys=["token"],
        version=3,
        created_at=NOW,
        updated_at=NOW,
    )
    _same(ConnectionProfileView, profile)


def test_a_required_member_missing_from_a_stored_object_is_an_error_not_a_guess() -> None:
    event = wire_compiled(SyncEventView, SyncEventView.of(_log()))
    with pytest.raises(KeyError):
        wire_compiled(SyncEventView, {k: v for k, v in event.items() if k != "status"})


def test_a_member_type_without_a_plan_is_refused_when_compiled() -> None:
    class Odd(View):
        span: timedelta

    with pytest.raises(TypeError, match=r"Odd\.span"):
        wire_compiled(Odd, object())
