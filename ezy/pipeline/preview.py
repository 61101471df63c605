"""Preview: what a run would do with some records, stage by stage, with no side effects.

It uses the same stage classes as a run, so its `output` is what the run hands the target. An
expression that runs out of its budget stops the whole preview (`PreviewOutOfBudget`, which the API
answers with a 422 at the expression), and so does the preview's own time budget
(`Budget.preview_timeout`, for all its evaluations together).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ezy.expressions import ExpressionBudgetError, budget, scope_deadline
from ezy.pipeline.mapping import MappingDocument, compile_mapping
from ezy.pipeline.normalize import NormalizeStage
from ezy.pipeline.records import Entry, FailureCode, Stage
from ezy.pipeline.transform import TransformStage
from ezy.pipeline.validate import ValidateStage

PreviewResult = dict[str, Any]


class PreviewOutOfBudget(Exception):
    """An expression ran out of its budget on the record at `index`; `pointer` is the expression's
    place in the mapping document (`/transform/fields/price`)."""

    def __init__(self, index: int, pointer: str, message: str) -> None:
        super().__init__(f"record {index}: {message}")
        self.index = index
        self.pointer = pointer


def preview(document: MappingDocument | Mapping[str, Any], records: Iterable[Any]) -> list[PreviewResult]:
    """Blocks for as long as the expressions run (up to the preview's budget): call it off the loop."""
    doc = document if isinstance(document, MappingDocument) else compile_mapping(document)
    normalize = NormalizeStage(doc.normalize)
    transform = TransformStage(doc.transform)
    validate = ValidateStage(doc.validate)
    results = []
    with scope_deadline(budget().preview_timeout, "a preview"):
        for index, record in enumerate(records):
            try:
                results.append(_one(record, normalize, transform, validate))
            except _OutOfBudget as exc:
                raise PreviewOutOfBudget(index, exc.pointer, exc.message) from None
    return results


class _OutOfBudget(Exception):
    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def _one(
    record: Any, normalize: NormalizeStage, transform: TransformStage, validate: ValidateStage
) -> PreviewResult:
    result: PreviewResult = {
        "input": record,
        "stages": {"normalize": None, "transform": None, "validate": None},
        "output": None,
        "stoppedAt": None,
        "fields": {},
    }
    entry = Entry(record)
    for stage in (normalize, transform, validate):
        if stage is transform:
            try:
                result["fields"] = transform.evaluate_fields(entry.record)
            except ExpressionBudgetError as exc:
                pointer = exc.pointer or "/transform"
                raise _OutOfBudget(pointer, f"{pointer.rsplit('/', 1)[-1]}: {exc}") from None
        outcome = stage.run([entry])
        if outcome.failures:
            failure = outcome.failures[0]
            if failure.code == FailureCode.EXPRESSION_BUDGET:
                raise _OutOfBudget(failure.details.get("pointer", "/transform"), failure.message)
            result["stoppedAt"] = {
                "stage": str(failure.stage),
                "code": failure.code,
                "message": failure.message,
            }
            return result
        if outcome.skipped:
            result["stoppedAt"] = {
                "stage": str(Stage.TRANSFORM),
                "code": "filtered",
                "message": "filter is false",
            }
            return result
        result["stages"][str(stage.stage)] = entry.record
    result["output"] = entry.record
    return result
