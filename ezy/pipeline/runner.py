"""One run: pages stream through normalize, transform and validate, then load in batches.

Memory holds one page, the page read ahead (a source's next page is read while the current
batch loads) and at most two load batches: the runner flushes when the records waiting
for load and the failures waiting to be recorded together reach the load batch size, so a run
whose records all fail streams its failures (and its progress) like one whose records all load.
A flush loads in the background while the next pages go through the stages (the target's time
overlaps ours); one flush at a time, so flushes finish in order. After each flush the runner
reports, in this order, the flush's failures, the references of the records that passed (runs
given `refs`), the counts, and the cursor of the last page it covered, so a checkpoint never gets
ahead of what is loaded and recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ezy.connectors.base import Connector, Page
from ezy.expressions import run_off_loop
from ezy.pipeline.extract import batches, prefetched, read_pages
from ezy.pipeline.journal import RunJournal
from ezy.pipeline.load import LoadStage
from ezy.pipeline.mapping import MappingDocument, compile_mapping
from ezy.pipeline.normalize import NormalizeStage
from ezy.pipeline.records import Entry, RecordFailure, RunFailed, Stage, StageResult
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.stats import RunStats
from ezy.pipeline.transform import TransformStage
from ezy.pipeline.validate import ValidateStage

StageFn = Callable[[list[Entry]], StageResult]


@dataclass
class _Pending:
    """Records and outcomes of the pages since the last flush."""

    entries: list[Entry] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)
    refs: list[Any] = field(default_factory=list)  # of every record taken (runs given refs)
    count: int = 0
    skipped: int = 0
    cursor: str | None = None


class _Run:
    def __init__(
        self,
        target: Connector,
        document: MappingDocument,
        journal: RunJournal,
        counts_extract: bool,
        policy: RetryPolicy,
    ) -> None:
        self.document = document
        self.journal = journal
        self.stats = RunStats()
        self.normalize = NormalizeStage(document.normalize)
        self.transform = TransformStage(document.transform)
        self.validate = ValidateStage(document.validate)
        self.load = LoadStage(document.load, target, policy)
        self.stages: list[tuple[Stage, StageFn]] = [
            (Stage.NORMALIZE, self.normalize.run),
            (Stage.TRANSFORM, self.transform.run),
            (Stage.VALIDATE, self.validate.run),
        ]
        self.counts_extract = counts_extract
        self.pending = _Pending()
        self.refs: Iterator[Any] | None = None
        self.loading: asyncio.Task[None] | None = None  # the flush in the background, if any

    async def page(self, page: Page) -> None:
        refs, pending = self.refs, self.pending
        if refs is None:
            entries = [Entry(r) for r in page.records]
        else:
            entries = [Entry(r, None, next(refs)) for r in page.records]
            pending.refs.extend(e.ref for e in entries)
        if self.counts_extract:
            extract = self.stats.stages[Stage.EXTRACT]
            extract.in_ += len(entries)
            extract.out += len(entries)
        pending.count += len(entries)
        # CPU work, where an expression may use its whole time budget: off the event loop.
        pending.entries.extend(await run_off_loop(self._record_stages, entries))
        if page.cursor is not None:
            pending.cursor = page.cursor
        if len(pending.entries) + len(pending.failures) >= self.document.load.batch_size:
            await self.flush()

    async def flush(self) -> None:
        """Starts loading what is pending, once the flush before it has finished."""
        await self.settle()
        pending, self.pending = self.pending, _Pending()
        self.loading = asyncio.create_task(self._flush(pending))

    async def settle(self) -> None:
        """Waits for the flush in the background; its failure (a `RunFailed`) is the run's."""
        if self.loading is not None:
            loading, self.loading = self.loading, None
            await loading

    async def abandon(self) -> None:
        if self.loading is not None and not self.loading.done():
            self.loading.cancel()
            with contextlib.suppress(BaseException):
                await self.loading
        self.loading = None

    async def _flush(self, pending: _Pending) -> None:
        stats = self.stats
        load_stats = stats.stages[Stage.LOAD]
        load_stats.in_ += len(pending.entries)
        started = time.perf_counter()
        result = await self.load.run(pending.entries) if pending.entries else StageResult(ok=[])
        load_stats.ms += (time.perf_counter() - started) * 1000
        load_stats.out += len(result.ok)
        load_stats.failed += len(result.failures)
        failures = pending.failures + result.failures
        stats.total += pending.count
        stats.success += len(result.ok)
        stats.failed += len(failures)
        stats.skipped += pending.skipped
        if failures:
            await self.journal.failures(failures)
        if pending.refs:
            failed = {f.ref for f in failures}
            await self.journal.passed([r for r in pending.refs if r not in failed])
        await self.journal.progress(stats.snapshot())
        if pending.cursor is not None:
            await self.journal.checkpoint(pending.cursor)

    def _record_stages(self, entries: list[Entry]) -> list[Entry]:
        pending = self.pending
        for stage, run in self.stages:
            result = self._timed(stage, run, entries)
            pending.failures.extend(self._with_keys(stage, result.failures))
            pending.skipped += result.skipped
            entries = result.ok
        return entries

    def _timed(self, stage: Stage, run: StageFn, entries: list[Entry]) -> StageResult:
        started = time.perf_counter()
        result = run(entries)
        counts = self.stats.stages[stage]
        counts.ms += (time.perf_counter() - started) * 1000
        counts.in_ += len(entries)
        counts.out += len(result.ok)
        counts.failed += len(result.failures)
        counts.skipped += result.skipped
        return result

    def _with_keys(self, stage: Stage, failures: list[RecordFailure]) -> list[RecordFailure]:
        # Before transform the key is not known yet; try the key expression on the raw record so
        # the error list can still say which entity failed.
        if stage != Stage.NORMALIZE:
            return failures
        return [replace(f, key=self._best_effort_key(f.payload)) for f in failures]

    def _best_effort_key(self, record: Any) -> str | None:
        try:
            return self.transform.key_of(record) if isinstance(record, dict) else None
        except Exception:
            return None


async def run_pipeline(
    source: Connector | None,
    target: Connector,
    document: MappingDocument | Mapping[str, Any],
    journal: RunJournal,
    *,
    cursor: str | None = None,
    records: Iterable[Any] | None = None,
    refs: Sequence[Any] | None = None,
    start_stage: str = "extract",
    retry: RetryPolicy | None = None,
) -> RunStats:
    """Run the stages over the source (from `cursor`) or over pushed / replayed `records`.

    `refs`, one per record (hashable, distinct), come back on each `RecordFailure.ref` and, for
    the records that did not fail, through `journal.passed` (a replay settles its DLQ messages
    with them). Records always enter at normalize; `start_stage="normalize"` leaves extract's
    counts alone (a replay's records were extracted by the run that failed them).
    Raises `RunFailed` when the run cannot complete; its `stats` hold what was loaded and
    checkpointed before.
    """
    doc = document if isinstance(document, MappingDocument) else compile_mapping(document)
    start, policy = Stage(start_stage), retry or RetryPolicy()
    if start not in (Stage.EXTRACT, Stage.NORMALIZE):
        raise ValueError("records enter a run at extract or normalize")
    if records is None and (source is None or start != Stage.EXTRACT):
        raise ValueError("a run from a later stage than extract needs records")
    run = _Run(target, doc, journal, start == Stage.EXTRACT, policy)
    if refs is not None:
        records = list(records or ())
        if len(refs) != len(records):
            raise ValueError(f"{len(refs)} refs for {len(records)} records")
        run.refs = iter(refs)
    pages: AsyncGenerator[Page, None]
    if records is not None:
        pages = batches(records, doc.extract.batch_size)
    else:
        assert source is not None
        pages = prefetched(read_pages(source, doc.extract, cursor, policy))
    try:
        # Closed however the run ends, so a source's read (and its read-ahead) stops with it.
        async with contextlib.aclosing(pages), contextlib.aclosing(_timed_pages(pages, run.stats)) as timed:
            async for page in timed:
                await run.page(page)
        await run.flush()
        await run.settle()
    except RunFailed as exc:
        # What is already loading finishes and checkpoints: it is written, so the cursor may say so.
        with contextlib.suppress(RunFailed):
            await run.settle()
        exc.stats = run.stats.snapshot()
        raise
    finally:
        await run.abandon()
    return run.stats


async def _timed_pages(pages: AsyncIterator[Page], stats: RunStats) -> AsyncGenerator[Page, None]:
    """The pages, with the time spent waiting for each counted as extract's."""
    extract = stats.stages[Stage.EXTRACT]
    while True:
        started = time.perf_counter()
        try:
            page = await anext(pages)
        except StopAsyncIteration:
            return
        finally:
            extract.ms += (time.perf_counter() - started) * 1000
        yield page
