"""Transform: the mapping's key, filter, field expressions and defaults, as `compile_mapping` compiled them.

Every evaluation runs within the expression budget; a record whose expression runs out of it fails
with `expression_budget` (other evaluation errors are `expression_error` / `filter_error`). A page
has a budget of its own (`page_timeout`): once spent, the page's remaining evaluations fail at once,
so a mapping that burns its whole budget on every record cannot hold a run for hours per page.
"""

from __future__ import annotations

import json
from typing import Any

from ezy.expressions import CompiledExpression, ExpressionBudgetError, ExpressionError, budget, scope_deadline
from ezy.pipeline.mapping import TransformSection, compile_transform, pointer
from ezy.pipeline.records import Entry, FailureCode, Record, RecordFailure, Stage, StageResult, fail

_JSON_SCALARS = (str, int, float, bool, type(None))
_JSON_TYPES = frozenset({*_JSON_SCALARS, dict, list})


class TransformStage:
    stage = Stage.TRANSFORM

    def __init__(self, section: TransformSection) -> None:
        # A mapping's section comes compiled (`compile_mapping`); one built in code is compiled here.
        compiled = compile_transform(section)
        self._key = compiled.key_expression
        self._filter = compiled.filter_expression
        self.fields: list[tuple[str, CompiledExpression]] | None = (
            None if compiled.field_expressions is None else list(compiled.field_expressions)
        )
        self._defaults = list(section.defaults.items())
        # Bound methods, looked up once per run rather than once per field and record.
        self._evaluators = [(n, e.evaluate) for n, e in self.fields or ()]
        # All fields in one generated function when every one compiles (several times faster);
        # it answers None for a record it leaves to the field-by-field loop.
        self._all_fields = compiled.all_fields or _field_by_field

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        one = self._one
        with scope_deadline(budget().page_timeout, "a page"):
            for entry in entries:
                outcome = one(entry)
                if outcome is None:
                    result.skipped += 1
                elif isinstance(outcome, RecordFailure):
                    result.failures.append(outcome)
                else:
                    entry.record = outcome
                    result.ok.append(entry)
        return result

    def key_of(self, record: Any) -> str | None:
        """The entity key; raises `ExpressionError`."""
        if self._key is None:
            return None
        return _as_key(_checked(self._key.evaluate(record)))

    def _one(self, entry: Entry) -> Record | RecordFailure | None:
        record = entry.record
        try:
            entry.key = self.key_of(record)
        except ExpressionError as exc:
            return _failed(entry, FailureCode.EXPRESSION_ERROR, exc, "key", "/transform/key")
        except RecursionError:
            return fail(entry, self.stage, FailureCode.EXPRESSION_ERROR, "key: record is nested too deeply")
        if self._filter is not None:
            try:
                if not _truthy(self._filter.evaluate(record)):
                    return None
            except (ExpressionError, RecursionError) as exc:
                return _failed(entry, FailureCode.FILTER_ERROR, exc, "filter", "/transform/filter")
        if self.fields is None:
            out = dict(record) if self._defaults else record
        elif (out := self._all_fields(record)) is None:
            out = {}
            for name, evaluate in self._evaluators:
                try:
                    value = evaluate(record)
                    out[name] = value if type(value) in _JSON_TYPES else _checked(value)
                except (ExpressionError, RecursionError) as exc:
                    at = pointer("transform", "fields", name)
                    return _failed(entry, FailureCode.EXPRESSION_ERROR, exc, name, at)
        for name, value in self._defaults:
            if out.get(name) is None:
                out[name] = value
        return out

    def evaluate_fields(self, record: Any) -> dict[str, dict[str, Any]]:
        """Each field's value (or error) on its own, for a preview. An exhausted budget is no
        field's value: it raises `ExpressionBudgetError` with `pointer` set to the field."""
        details: dict[str, dict[str, Any]] = {}
        for name, expression in self.fields or []:
            try:
                value, error = _checked(expression.evaluate(record)), None
            except ExpressionBudgetError as exc:
                exc.pointer = pointer("transform", "fields", name)
                raise
            except (ExpressionError, RecursionError) as exc:
                value, error = None, str(exc)
            details[name] = {"value": value, "compiled": expression.compiled, "error": error}
        return details


def _failed(entry: Entry, code: str, exc: Exception, label: str, at: str) -> RecordFailure:
    if isinstance(exc, ExpressionBudgetError):
        code = FailureCode.EXPRESSION_BUDGET
    return fail(entry, Stage.TRANSFORM, code, f"{label}: {exc}", pointer=at)


def _field_by_field(record: Any) -> None:
    return None


def _checked(value: Any) -> Any:
    # An expression can return a function or a regex; neither can be stored anywhere.
    if isinstance(value, _JSON_SCALARS) or isinstance(value, dict | list):
        return value
    raise ExpressionError(f"expression returned a {type(value).__name__}, not a JSON value")


def _truthy(value: Any) -> bool:
    # JSONata's boolean cast: an array is true when any member is.
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    return bool(value)


def _as_key(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
