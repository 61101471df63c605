"""What flows through the stages, and what a record that fails leaves behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Record = dict[str, Any]


class Stage(StrEnum):
    EXTRACT = "extract"
    NORMALIZE = "normalize"
    TRANSFORM = "transform"
    VALIDATE = "validate"
    LOAD = "load"


STAGES: tuple[Stage, ...] = tuple(Stage)


class FailureCode(StrEnum):
    NOT_AN_OBJECT = "not_an_object"
    NORMALIZE_ERROR = "normalize_error"
    EXPRESSION_ERROR = "expression_error"
    EXPRESSION_BUDGET = "expression_budget"  # an expression ran out of time, depth or size
    FILTER_ERROR = "filter_error"
    REQUIRED_MISSING = "required_missing"
    SCHEMA_INVALID = "schema_invalid"
    LOAD_REJECTED = "load_rejected"  # the target refused this record (constraint, bad value)
    LOAD_FAILED = "load_failed"  # the target could not take it (per-record transient, gave up)


@dataclass(slots=True)
class Entry:
    """A record on its way, with the entity key once transform has computed it.

    Stages never mutate `record`: they replace it, so the object a stage received is still the
    record "as it entered the failing stage" when a later step fails it — no copies needed.
    """

    record: Any
    key: str | None = None
    ref: Any = None  # the caller's handle on the record (a DLQ message id on replays)


@dataclass(frozen=True, slots=True)
class RecordFailure:
    key: str | None
    stage: Stage
    code: str
    message: str
    payload: Any  # the record as it entered the failing stage
    details: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    ref: Any = None  # the `refs` item given with the record, if any

    def as_dict(self) -> dict[str, Any]:
        return {
            "entityKey": self.key,
            "stage": str(self.stage),
            "code": self.code,
            "message": self.message,
            "payload": self.payload,
            "details": self.details,
            "attempts": self.attempts,
        }


def fail(entry: Entry, stage: Stage, code: str, message: str, **details: Any) -> RecordFailure:
    return RecordFailure(entry.key, stage, code, message, entry.record, details, ref=entry.ref)


@dataclass(slots=True)
class StageResult:
    ok: list[Entry]
    failures: list[RecordFailure] = field(default_factory=list)
    skipped: int = 0


class RunFailed(Exception):
    """The run cannot complete (a page unreadable, the target down after the retries).

    `stats` are the counts of what completed; nothing after the last checkpoint counts.
    """

    def __init__(self, message: str, stats: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.stats = stats
