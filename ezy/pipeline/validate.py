"""Validate: required output fields (null counts as missing), then the target's JSON Schema.

The schema is compiled once per run into a Draft 2020-12 validator, fronted by the conservative
fast path of `schema_fastpath` (it can only say "certainly valid").
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ezy.pipeline.mapping import ValidateSection, pointer
from ezy.pipeline.records import Entry, FailureCode, RecordFailure, Stage, StageResult, fail
from ezy.pipeline.schema_fastpath import fast_check
from ezy.pipeline.schema_regex import UnsupportedPattern, use_re2

use_re2()  # before any record is checked: jsonschema's patterns on RE2

_MAX_REPORTED = 20


class ValidateStage:
    stage = Stage.VALIDATE

    def __init__(self, section: ValidateSection) -> None:
        self._required = section.required
        # Compiled once per run; the validator caches its sub-schemas across records.
        schema = dict(section.schema) if section.schema is not None else None
        self._validator = Draft202012Validator(schema) if schema is not None else None
        self._surely_valid = fast_check(schema) if schema is not None else None

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        if not self._required and self._validator is None:
            result.ok.extend(entries)
            return result
        for entry in entries:
            try:
                failure = self._check(entry)
            except RecursionError:
                failure = fail(entry, self.stage, FailureCode.SCHEMA_INVALID, "record is nested too deeply")
            except UnsupportedPattern as exc:  # a document saved before patterns were checked
                failure = fail(entry, self.stage, FailureCode.SCHEMA_INVALID, str(exc))
            if failure is None:
                result.ok.append(entry)
            else:
                result.failures.append(failure)
        return result

    def _check(self, entry: Entry) -> RecordFailure | None:
        record = entry.record
        if self._required:
            missing = [name for name in self._required if record.get(name) is None]
            if missing:
                message = "missing required field(s): " + ", ".join(missing)
                return fail(entry, self.stage, FailureCode.REQUIRED_MISSING, message, fields=missing)
        if self._validator is None:
            return None
        if self._surely_valid is not None and self._surely_valid(record):
            return None
        errors = list(self._validator.iter_errors(record))
        if not errors:
            return None
        best = best_match(errors)
        assert best is not None
        return fail(
            entry,
            self.stage,
            FailureCode.SCHEMA_INVALID,
            f"{pointer(*best.absolute_path) or '/'}: {best.message}",
            errors=[_error(e) for e in errors[:_MAX_REPORTED]],
        )


def _error(error: Any) -> dict[str, str]:
    return {"pointer": pointer(*error.absolute_path), "message": error.message}


# --- the predicate -------------------------------------------------------------------------
# Each keyword compiles to a check that answers True only when the keyword certainly holds for
# the instance under Draft 2020-12 (as jsonschema applies it, with no format checker), and
# False when it fails *or* when the instance is of a kind the check does not reason about (a
# dict subclass, a Decimal): False only means "ask the validator".

# Keywords that never make an instance invalid here (format is an annotation without a checker).
