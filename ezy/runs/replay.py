"""Replay runs: claimed dead letters run again, from normalize, with the instance's current mapping.

A replay claims its messages first (status `replaying`, `replay_sync_log_id` = the run), so the
same message replayed twice at once is processed once. Messages are streamed in chunks, each a
`run_pipeline` whose counts add to the chunks' before it. Every flush settles its messages in the
same transaction as its counts: a failure is matched back to its message by reference (pending,
one more attempt), the records that passed resolve theirs. A replay that stops half-way (worker
lost, target down) thus keeps what it settled, and its retry takes only the messages still
`replaying`: nothing is counted twice, and only the flush that was cut short is written again
(keyed upserts make that harmless).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from tortoise.expressions import F

from ezy.connectors.base import Connector
from ezy.dlq.models import DeadLetter
from ezy.pipeline.mapping import MappingDocument
from ezy.pipeline.records import RecordFailure, Stage
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.runs import sources
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog, SyncTrigger
from ezy.timefmt import utcnow

CHUNK = 1000
_IN_LIST = 500  # ids per `IN (...)`: well under SQLite's variable limit


class _Chunk:
    """The journal's view of one chunk of claimed messages (a `ReplayBook`)."""

    def __init__(self, log: SyncLog, letters: list[DeadLetter]) -> None:
        self.log = log
        self.by_id = {letter.id: letter for letter in letters}

    def letter_for(self, failure: RecordFailure) -> DeadLetter | None:
        return self.by_id.get(failure.ref)

    async def resolve(self, refs: list[Any]) -> None:
        """The messages of records that passed are resolved by this run, a statement per 500.

        The resolution is not appended to the stored history (that would be a write per message);
        the DLQ view shows it from `resolved_by_sync_log_id` and `updated_at`.
        """
        for start in range(0, len(refs), _IN_LIST):
            await DeadLetter.filter(
                id__in=refs[start : start + _IN_LIST], status="replaying", replay_sync_log_id=self.log.id
            ).update(
                status="resolved",
                resolved_by_sync_log_id=self.log.id,
                attempts=F("attempts") + 1,
                replay_sync_log_id=None,
                updated_at=utcnow(),
            )


async def run(
    log: SyncLog, target: Connector, document: MappingDocument, journal: DbJournal, retry: RetryPolicy
) -> None:
    origins: set[uuid.UUID] = set()
    while True:
        chunk = await (
            DeadLetter.filter(replay_sync_log_id=log.id, status="replaying")
            .order_by("created_at", "id")
            .limit(CHUNK)
        )
        if not chunk:
            break
        letters = [letter for letter in chunk if letter.has_source]
        await _release_legacy([letter for letter in chunk if not letter.has_source])
        origins.update(letter.sync_log_id for letter in letters)
        journal.replay = _Chunk(log, letters)
        stats = await run_pipeline(
            None,
            target,
            document,
            journal,
            records=[letter.payload for letter in letters],
            refs=[letter.id for letter in letters],
            start_stage=Stage.NORMALIZE,
            retry=retry,
        )
        await journal.carry_over(stats)
    await _tell_sources(log, origins)


async def _tell_sources(log: SyncLog, origins: Iterable[uuid.UUID]) -> None:
    """The sources of the replayed runs settle what the replay resolved (a webhook's deliveries)."""
    for source in sources.registered():
        await source.replayed(log, origins)


async def _release_legacy(letters: list[DeadLetter]) -> None:
    """A legacy message (no source record) cannot run from normalize: back to pending, untouched.

    The DLQ service does not claim them unless edited; this covers a claim made before the upgrade.
    """
    if letters:
        await DeadLetter.filter(id__in=[letter.id for letter in letters], status="replaying").update(
            status="pending", replay_sync_log_id=None, updated_at=utcnow()
        )


async def release(log: SyncLog) -> None:
    """A replay that will not run (instance gone or inactive, run failed): its messages are pending again."""
    if log.trigger != SyncTrigger.REPLAY:
        return
    await DeadLetter.filter(replay_sync_log_id=log.id, status="replaying").update(
        status="pending", replay_sync_log_id=None, updated_at=utcnow()
    )


class DlqReplay(sources.BaseRunSource):
    """Replay runs: the claimed dead letters, from normalize; a run that will not complete gives
    its claimed messages back (pending)."""

    async def run(self, log: SyncLog, inputs: sources.RunInputs) -> None:
        await run(log, inputs.target, inputs.document, inputs.journal, inputs.retry)

    async def give_back(self, log: SyncLog) -> None:
        await release(log)
