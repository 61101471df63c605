"""Where the runner reports: progress, failures and checkpoints. The runs service implements it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ezy.pipeline.records import RecordFailure
from ezy.pipeline.stats import RunStats


class RunJournal(Protocol):
    async def progress(self, stats: RunStats) -> None:
        """Counts so far (a snapshot), after each loaded batch and at the end."""

    async def failures(self, failures: list[RecordFailure]) -> None:
        """All failures of one batch at once, before that batch's checkpoint."""

    async def passed(self, refs: list[Any]) -> None:
        """The refs of one batch's records that did not fail (loaded, or skipped by the filter),
        after its failures and before its counts; only for runs given `refs`."""

    async def checkpoint(self, cursor: str) -> None:
        """Everything up to `cursor` is loaded: a resumed run may start from here."""


@dataclass
class MemoryJournal:
    """Keeps everything in lists; for tests and previews of a whole run."""

    progress_reports: list[RunStats] = field(default_factory=list)
    failed: list[RecordFailure] = field(default_factory=list)
    failure_calls: int = 0
    passed_refs: list[Any] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)

    async def progress(self, stats: RunStats) -> None:
        self.progress_reports.append(stats)

    async def failures(self, failures: list[RecordFailure]) -> None:
        self.failure_calls += 1
        self.failed.extend(failures)

    async def passed(self, refs: list[Any]) -> None:
        self.passed_refs.extend(refs)

    async def checkpoint(self, cursor: str) -> None:
        self.checkpoints.append(cursor)

    @property
    def last_checkpoint(self) -> str | None:
        return self.checkpoints[-1] if self.checkpoints else None
