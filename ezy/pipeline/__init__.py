"""The run engine: five stages over batches of records, reporting to a journal.

It knows nothing of REST, GraphQL, the ORM or the queue: callers give it connectors, a
mapping document and a `RunJournal`, and get `RunStats` back or `RunFailed`.
"""

from ezy.pipeline.journal import MemoryJournal, RunJournal
from ezy.pipeline.preview import PreviewResult, preview
from ezy.pipeline.records import FailureCode, Record, RecordFailure, RunFailed, Stage
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.pipeline.stats import RunStats, StageStats

__all__ = [
    "FailureCode",
    "MemoryJournal",
    "PreviewResult",
    "Record",
    "RecordFailure",
    "RetryPolicy",
    "RunFailed",
    "RunJournal",
    "RunStats",
    "Stage",
    "StageStats",
    "preview",
    "run_pipeline",
]
