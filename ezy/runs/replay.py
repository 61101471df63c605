"""Replay runs: claimed dead letters go through the pipeline again from their failing stage.

A replay claims its messages first (status `replaying`, `replay_sync_log_id` = the run), so the
same message replayed twice at once is processed once. Messages are streamed in chunks; within a
chunk, each failure is matched back to its message by reference and the rest are resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import Any

from tortoise.expressions import F

from ezy.connectors.base import Connector
from ezy.dlq.models import DeadLetter
from ezy.mappings.document import MappingDocument
from ezy.pipeline.records import RecordFailure
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog
from ezy.timefmt import utcnow

CHUNK = 1000


async def run(
    log: SyncLog, target: Connector, document: MappingDocument, journal: DbJournal, retry: RetryPolicy
) -> None:
    while True:
        chunk = await (
            DeadLetter.filter(replay_sync_log_id=log.id, status="replaying")
            .order_by("created_at", "id")
            .limit(CHUNK)
        )
        if not chunk:
            return
        by_id = {letter.id: letter for letter in chunk}
        journal.replay = _lookup(by_id)
        ordered = sorted(chunk, key=lambda letter: letter.replay_stage or letter.stage)
        for stage, group in groupby(ordered, key=lambda letter: letter.replay_stage or letter.stage):
            letters = list(group)
            await run_pipeline(
                None,
                target,
                document,
                journal,
                records=[letter.payload for letter in letters],
                refs=[letter.id for letter in letters],
                start_stage=stage,
                retry=retry,
            )
        await journal.commit()
        await _resolve(log, [letter for letter in chunk])


def _lookup(by_id: dict[Any, DeadLetter]) -> Callable[[RecordFailure], DeadLetter | None]:
    return lambda failure: by_id.get(failure.ref)


async def _resolve(log: SyncLog, letters: list[DeadLetter]) -> None:
    """Every message of the chunk that did not fail again is resolved by this run, in one statement.

    The resolution is not appended to the stored history (that would be a write per message); the
    DLQ view shows it from `resolved_by_sync_log_id` and `updated_at`.
    """
    await DeadLetter.filter(
        id__in=[letter.id for letter in letters], status="replaying", replay_sync_log_id=log.id
    ).update(
        status="resolved",
        resolved_by_sync_log_id=log.id,
        attempts=F("attempts") + 1,
        replay_sync_log_id=None,
        replay_stage=None,
        updated_at=utcnow(),
    )


async def release(log: SyncLog) -> None:
    """A replay that will not run (instance gone or inactive, run failed): its messages are pending again."""
    if log.trigger != "replay":
        return
    await DeadLetter.filter(replay_sync_log_id=log.id, status="replaying").update(
        status="pending", replay_sync_log_id=None, replay_stage=None, updated_at=utcnow()
    )
