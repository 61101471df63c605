"""The runner's journal on the database: counts, entity errors, dead letters and the cursor.

Each flush of the runner (failures, then the records that passed, then progress, then maybe a
checkpoint) is buffered and written in ONE transaction, so a run killed at any point leaves counts,
errors, resolved messages and cursor that agree: the batch after the last commit is simply done
again on resume (keyed upserts make that harmless).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.pipeline.records import RecordFailure
from ezy.pipeline.stats import RunStats
from ezy.runs.models import EntityError, SyncLog
from ezy.timefmt import utcnow


class ReplayBook(Protocol):
    """A replay's side of the journal: its claimed messages, by the refs the runner hands back."""

    def letter_for(self, failure: RecordFailure) -> DeadLetter | None:
        """The message a failure came from (None: a fresh failure)."""

    async def resolve(self, refs: list[Any]) -> None:
        """Marks the messages of records that passed resolved (inside the flush's transaction)."""


def add_counts(base: dict[str, Any], stats: RunStats) -> dict[str, Any]:
    """`base` (a sync log's counts and stages so far) plus this attempt's stats."""
    now = stats.as_dict()
    counts = {k: base.get("counts", {}).get(k, 0) + v for k, v in now["counts"].items()}
    stages: dict[str, Any] = {}
    for stage, values in now["stages"].items():
        before = base.get("stages", {}).get(stage, {})
        stages[stage] = {
            k: round(before.get(k, 0) + v, 1) if k == "ms" else before.get(k, 0) + v
            for k, v in values.items()
        }
    return {"counts": counts, "stages": stages}


class DbJournal:
    def __init__(self, log: SyncLog, *, base: dict[str, Any], replay: ReplayBook | None = None) -> None:
        self.log = log
        self.base = base
        self.replay = replay
        self.checkpointed = False
        self._failures: list[RecordFailure] = []
        self._passed: list[Any] = []
        self._stats: RunStats | None = None
        self._inflight: asyncio.Future[None] | None = None

    async def failures(self, failures: list[RecordFailure]) -> None:
        if self._stats is not None:
            await self.commit()  # the previous flush had no checkpoint: it stands on its own
        self._failures.extend(failures)

    async def passed(self, refs: list[Any]) -> None:
        if self._stats is not None:
            await self.commit()
        self._passed.extend(refs)

    async def progress(self, stats: RunStats) -> None:
        if self._stats is not None:
            await self.commit()
        self._stats = stats

    async def checkpoint(self, cursor: str) -> None:
        await self.commit(cursor)

    async def carry_over(self, stats: RunStats) -> None:
        """One more `run_pipeline` of this run follows (a replay's next chunk): its counts add to
        these `stats`, which the next progress report would otherwise replace."""
        await self.commit()
        self.base = add_counts(self.base, stats)

    async def commit_unit(
        self, failures: list[RecordFailure], stats: RunStats, settle: Callable[[], Awaitable[None]]
    ) -> None:
        """A unit of work that is done again whole if it does not settle (a webhook micro-batch):
        its failures, its counts and its `settle` writes go in ONE transaction, so a retry after a
        failure or a kill part-way finds neither its counts nor its dead letters, and counts it once."""
        await self.commit()
        self._inflight = asyncio.ensure_future(self._write(failures, [], stats, None, settle))
        await asyncio.shield(self._inflight)
        self.base = add_counts(self.base, stats)

    async def commit(self, cursor: str | None = None) -> None:
        """Writes what is buffered, and the cursor if given, in one transaction.

        The write is shielded: a worker stopping mid-run (task cancelled) must not interrupt a
        transaction half-way (Tortoise's SQLite client then keeps its connection lock forever), and
        the batch it carries is recorded before the run is handed back.
        """
        await self.settle()
        if self._stats is None and not self._failures and not self._passed and cursor is None:
            return
        failures, passed, stats = self._failures, self._passed, self._stats
        self._failures, self._passed, self._stats = [], [], None
        self._inflight = asyncio.ensure_future(self._write(failures, passed, stats, cursor))
        await asyncio.shield(self._inflight)

    async def settle(self) -> None:
        """Waits for a write still in flight (after a cancellation interrupted its caller)."""
        if self._inflight is not None and not self._inflight.done():
            await asyncio.shield(self._inflight)

    async def _write(
        self,
        failures: list[RecordFailure],
        passed: list[Any],
        stats: RunStats | None,
        cursor: str | None,
        settle: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        async with in_transaction():
            if settle is not None:
                await settle()
            if failures:
                await self._record_failures(failures)
            if passed and self.replay is not None:
                await self.replay.resolve(passed)
            if stats is not None:
                totals = add_counts(self.base, stats)
                await SyncLog.filter(id=self.log.id).update(
                    **totals["counts"], stages=totals["stages"], heartbeat_at=utcnow()
                )
            if cursor is not None:
                await Instance.filter(id=self.log.instance_id).update(
                    cursor=cursor, cursor_updated_at=utcnow()
                )
                if not self.checkpointed:
                    # A retry of this run resumes from the cursor and keeps these counts.
                    self.log.request = {**self.log.request, "checkpointed": True}
                    await SyncLog.filter(id=self.log.id).update(request=self.log.request)
                    self.checkpointed = True

    async def _record_failures(self, failures: list[RecordFailure]) -> None:
        log, now = self.log, utcnow()
        fresh: list[DeadLetter] = []
        errors: list[EntityError] = []
        for failure in failures:
            letter = self.replay.letter_for(failure) if self.replay else None
            if letter is None:
                letter = DeadLetter(
                    id=uuid.uuid4(),
                    tenant_id=log.tenant_id,
                    instance_id=log.instance_id,
                    sync_log_id=log.id,
                    stage=str(failure.stage),
                    code=failure.code,
                    message=failure.message,
                    entity_key=failure.key,
                    payload=failure.payload,
                    mapped_payload=failure.mapped,
                    status="pending",
                    attempts=1,
                    history=[_attempt(log, failure, now)],
                    created_at=now,
                    updated_at=now,
                )
                fresh.append(letter)
            else:
                await _fail_again(letter, log, failure, now)
            errors.append(
                EntityError(
                    id=uuid.uuid4(),
                    tenant_id=log.tenant_id,
                    sync_log_id=log.id,
                    entity_key=failure.key,
                    stage=str(failure.stage),
                    code=failure.code,
                    message=failure.message,
                    details=failure.details,
                    dead_letter_id=letter.id,
                    created_at=now,
                )
            )
        if fresh:
            await DeadLetter.bulk_create(fresh, batch_size=500)
        await EntityError.bulk_create(errors, batch_size=500)


def _attempt(log: SyncLog, failure: RecordFailure, now: Any) -> dict[str, Any]:
    return {
        "at": now.isoformat(),
        "syncLogId": str(log.id),
        "trigger": log.trigger,
        "outcome": "failed",
        "stage": str(failure.stage),
        "code": failure.code,
        "message": failure.message,
    }


async def _fail_again(letter: DeadLetter, log: SyncLog, failure: RecordFailure, now: Any) -> None:
    """A replay that fails again: the message stays pending with one more attempt in its history."""
    await DeadLetter.filter(id=letter.id).update(
        status="pending",
        attempts=letter.attempts + 1,
        stage=str(failure.stage),
        code=failure.code,
        message=failure.message,
        payload=failure.payload,
        mapped_payload=failure.mapped,
        history=[*letter.history, _attempt(log, failure, now)],
        replay_sync_log_id=None,
        updated_at=now,
    )
