"""Preview: what a run would do with some records, stage by stage, with no side effects.

It uses the same stage classes as a run, so its `output` is what the run hands the target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ezy.mappings.document import MappingDocument, parse_mapping_document
from ezy.pipeline.normalize import NormalizeStage
from ezy.pipeline.records import Entry, Stage
from ezy.pipeline.transform import TransformStage
from ezy.pipeline.validate import ValidateStage

PreviewResult = dict[str, Any]


def preview(document: MappingDocument | Mapping[str, Any], records: Iterable[Any]) -> list[PreviewResult]:
    doc = document if isinstance(document, MappingDocument) else parse_mapping_document(document)
    normalize = NormalizeStage(doc.normalize)
    transform = TransformStage(doc.transform)
    validate = ValidateStage(doc.validate)
    return [_one(record, normalize, transform, validate) for record in records]


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
            result["fields"] = transform.evaluate_fields(entry.record)
        outcome = stage.run([entry])
        if outcome.failures:
            failure = outcome.failures[0]
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
