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


@dataclass(slots=True, init=False)
class Entry:
    """A record on its way, with the entity key once transform has computed it.

    `source` is the record as it entered normalize, `record` its latest form. Stages never mutate a
    record: they replace `record`, so `source` is still the untouched original when a later stage
    fails it (the DLQ keeps it for replays) — one reference, no copies.
    """

    record: Any
    key: str | None
    ref: Any  # the caller's handle on the record (a DLQ message id on replays)
    source: Any

    def __init__(self, record: Any, key: str | None = None, ref: Any = None) -> None:
        self.record = record
        self.key = key
        self.ref = ref
        self.source = record


@dataclass(frozen=True, slots=True)
class RecordFailure:
    key: str | None
    stage: Stage
    code: str
    message: str
    payload: Any  # the source record, as it entered normalize
    details: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    ref: Any = None  # the `refs` item given with the record, if any
    mapped: Any = None  # the mapped record, for validate and load failures (for display)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entityKey": self.key,
            "stage": str(self.stage),
            "code": self.code,
            "message": self.message,
            "payload": self.payload,
            "mappedPayload": self.mapped,
            "details": self.details,
            "attempts": self.attempts,
        }


_MAPPED_STAGES = frozenset({Stage.VALIDATE, Stage.LOAD})


def fail(
    entry: Entry, stage: Stage, code: str, message: str, *, attempts: int = 1, **details: Any
) -> RecordFailure:
    """The failure of `entry` at `stage`: its source record, and the mapped one past transform."""
    mapped = entry.record if stage in _MAPPED_STAGES else None
    return RecordFailure(entry.key, stage, code, message, entry.source, details, attempts, entry.ref, mapped)


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
