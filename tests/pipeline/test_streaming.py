"""A run streams whatever its records do: failures are recorded, and progress written, batch by batch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ezy.connectors.base import Page
from ezy.pipeline import MemoryJournal, RecordFailure, RunStats, run_pipeline

from .fakes import MemorySource, MemoryTarget

RECORDS = 2000
PAGE = 50
LOAD_BATCH = 200


class CountingSource(MemorySource):
    """Counts the records it has handed out, so the journal can tell when in the run it was called."""

    def __init__(self, records: list[Any]) -> None:
        super().__init__(records)
        self.handed_out = 0

    async def read(self, resource: str, **kwargs: Any) -> AsyncIterator[Page]:
        async for page in super().read(resource, **kwargs):
            self.handed_out += len(page.records)
            yield page


class WatchingJournal(MemoryJournal):
    """Notes how much of the source had been read at each report."""

    def __init__(self, source: CountingSource) -> None:
        super().__init__()
        self.source = source
        self.failure_batches: list[int] = []
        self.progress_at: list[int] = []

    async def failures(self, failures: list[RecordFailure]) -> None:
        await super().failures(failures)
        self.failure_batches.append(len(failures))

    async def progress(self, stats: RunStats) -> None:
        await super().progress(stats)
        self.progress_at.append(self.source.handed_out)


def _doc(**sections: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "extract": {"resource": "items", "batchSize": PAGE},
        "transform": {"key": "id", "fields": {"id": "id", "v": "$number(n) * 2"}},
        "load": {"resource": "items", "keys": ["id"], "batchSize": LOAD_BATCH},
        **sections,
    }


@pytest.mark.parametrize(
    ("n_of", "validate", "failed"),
    [
        pytest.param(lambda i: "abc", {}, RECORDS, id="all-fail-at-transform"),
        pytest.param(lambda i: i, {"required": ["v"]}, 0, id="all-load"),
        pytest.param(
            lambda i: None if i % 2 else i, {"required": ["v"]}, RECORDS // 2, id="every-other-fails-validate"
        ),
    ],
)
async def test_failures_and_progress_are_written_batch_by_batch_whatever_fails(
    n_of: Any, validate: dict[str, Any], failed: int
) -> None:
    source = CountingSource([{"id": i, "n": n_of(i)} for i in range(RECORDS)])
    journal = WatchingJournal(source)
    doc = _doc(validate=validate) if validate else _doc()
    stats = await run_pipeline(source, MemoryTarget(), doc, journal)

    assert stats.counts() == {"total": RECORDS, "success": RECORDS - failed, "failed": failed, "skipped": 0}
    # Pending failures never exceed one load batch plus the page that filled it.
    assert max(journal.failure_batches, default=0) <= LOAD_BATCH + PAGE
    assert sum(journal.failure_batches) == failed
    # Progress is written while the source is still being read, about once per load batch.
    assert journal.progress_at[0] <= LOAD_BATCH + PAGE
    assert len([at for at in journal.progress_at if at < RECORDS]) >= RECORDS // (LOAD_BATCH + PAGE) - 1
    totals = [report.total for report in journal.progress_reports]
    assert totals == sorted(totals) and totals[-1] == RECORDS
