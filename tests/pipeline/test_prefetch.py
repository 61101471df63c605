"""While a batch loads, the next batch is read and goes through the stages (one page read ahead of
it) and no further; checkpoints still wait for their batch, and a run that stops early closes the
source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest

from ezy.connectors.base import ConnectorError, Page, WriteResult
from ezy.pipeline import MemoryJournal, RunFailed, run_pipeline

from .fakes import MemorySource, MemoryTarget

PAGE = 50
LOAD_BATCH = 100
RECORDS = 600


class WatchedSource(MemorySource):
    """Counts the records handed out and notes when its read is closed."""

    def __init__(self, records: list[Any]) -> None:
        super().__init__(records)
        self.handed_out = 0
        self.closed = False

    async def read(self, resource: str, **kwargs: Any) -> AsyncIterator[Page]:
        try:
            async for page in super().read(resource, **kwargs):
                await asyncio.sleep(0)  # a real source awaits its I/O
                self.handed_out += len(page.records)
                yield page
        finally:
            self.closed = True


class SlowTarget(MemoryTarget):
    """A write that takes a while, as a database's does; notes what the run had done meanwhile."""

    def __init__(self, source: WatchedSource, journal: MemoryJournal, fail_at: int | None = None) -> None:
        super().__init__()
        self.source, self.journal, self.fail_at = source, journal, fail_at
        self.written = 0
        self.read_during_write: list[int] = []  # records the source had handed out as each write ended
        self.checkpoints_during_write: list[list[str]] = []
        self.writing = asyncio.Event()

    async def write(
        self, resource: str, records: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> list[WriteResult]:
        self.writing.set()
        if self.fail_at is not None and self.calls + 1 >= self.fail_at:
            self.calls += 1
            raise ConnectorError("the table was dropped")
        await asyncio.sleep(0.01)
        self.read_during_write.append(self.source.handed_out)
        self.checkpoints_during_write.append(list(self.journal.checkpoints))
        results = await super().write(resource, records, **kwargs)
        self.written += len(records)
        return results


def _doc() -> dict[str, Any]:
    return {
        "version": 1,
        "extract": {"resource": "items", "batchSize": PAGE},
        "transform": {"key": "id", "fields": {"id": "id"}},
        "load": {"resource": "items", "keys": ["id"], "batchSize": LOAD_BATCH},
    }


async def test_the_next_batch_is_read_while_a_batch_loads_and_no_further() -> None:
    source, journal = WatchedSource([{"id": i} for i in range(RECORDS)]), MemoryJournal()
    target = SlowTarget(source, journal)
    stats = await run_pipeline(source, target, _doc(), journal)

    assert stats.success == RECORDS and len(target.rows) == RECORDS
    batches = RECORDS // LOAD_BATCH
    # While batch k loads, the run goes on with the pages after it: at least the page read ahead,
    # at most the whole next batch and the page read ahead of that one (the memory bound).
    for k, read in enumerate(target.read_during_write[:-1]):
        assert (k + 1) * LOAD_BATCH + PAGE <= read <= (k + 2) * LOAD_BATCH + PAGE, (k, read)
    assert any(read > (k + 1) * LOAD_BATCH + PAGE for k, read in enumerate(target.read_during_write))
    # No checkpoint goes ahead of its batch: during the write of batch k, only the cursors of
    # the batches before it are recorded, never the page being read ahead.
    assert target.checkpoints_during_write == [
        [str(LOAD_BATCH * j) for j in range(1, k + 1)] for k in range(batches)
    ]
    assert journal.checkpoints == [str(LOAD_BATCH * j) for j in range(1, batches + 1)]


async def test_a_run_that_fails_at_load_reads_no_further_and_closes_the_source() -> None:
    source, journal = WatchedSource([{"id": i} for i in range(RECORDS)]), MemoryJournal()
    target = SlowTarget(source, journal, fail_at=2)
    with pytest.raises(RunFailed, match="dropped"):
        await run_pipeline(source, target, _doc(), journal)
    assert source.closed
    assert source.handed_out <= 3 * LOAD_BATCH + PAGE
    assert journal.checkpoints == [str(LOAD_BATCH)]


async def test_a_cancelled_run_cancels_the_read_ahead_and_closes_the_source() -> None:
    source, journal = WatchedSource([{"id": i} for i in range(RECORDS)]), MemoryJournal()
    target = SlowTarget(source, journal)
    run = asyncio.create_task(run_pipeline(source, target, _doc(), journal))
    await target.writing.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert source.closed
    handed_out = source.handed_out
    await asyncio.sleep(0.05)
    assert source.handed_out == handed_out  # nothing left reading
