"""A replay that stops half-way keeps what it settled, and its retry neither loses nor repeats a record.

The target is the pipeline tests' in-memory one (it can fail on cue); the journal, the dead letters
and the sync log are the real ones, on the test database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from ezy.connectors.base import ConnectorError
from ezy.dlq.models import DeadLetter
from ezy.pipeline import RetryPolicy, RunFailed
from ezy.pipeline.mapping import compile_mapping
from ezy.runs import replay
from ezy.runs.executor import _resume_point
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.pipeline.fakes import MemoryTarget
from tests.runs.conftest import make_instance

MESSAGES = 30
# Pages of one load batch: each write is its own flush, so a failed write leaves the ones before
# it recorded. (Within a flush, records written before a failure are written again on retry:
# keyed upserts make that harmless, and they are counted once.)
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"batchSize": 5},
    "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "name": "$trim(name)"}},
    "validate": {"required": ["name"]},
    "load": {"resource": "items", "keys": ["externalId"], "batchSize": 5},
}


class Writes:
    """Every record the target was handed, and a target that stops after `ok` writes."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def target(self, ok: int | None = None) -> MemoryTarget:
        calls = 0

        def on_write(records: Sequence[Mapping[str, Any]]) -> None:
            nonlocal calls
            calls += 1
            if ok is not None and calls > ok:
                raise ConnectorError("the target went away")
            self.keys.extend(str(r["externalId"]) for r in records)

        return MemoryTarget(on_write=on_write)


async def _claimed_replay(tenant: TestTenant, runtime: Runtime) -> SyncLog:
    instance = await make_instance(runtime, tenant.id, document=DOCUMENT)
    failed_run = uuid.uuid4()
    for i in range(MESSAGES):
        await DeadLetter.create(
            tenant_id=tenant.id,
            instance_id=instance.id,
            sync_log_id=failed_run,
            stage="transform",
            code="expression_error",
            message="was broken",
            entity_key=str(i),
            payload={"id": i, "name": f" item {i} "},
        )
    log = await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="replay",
        status="running",
        attempt=1,
        request={"bulk": True},
    )
    await DeadLetter.filter(instance_id=instance.id).update(status="replaying", replay_sync_log_id=log.id)
    return log


async def _attempt(log: SyncLog, target: MemoryTarget) -> None:
    journal = DbJournal(log, base=await _resume_point(log))
    try:
        await replay.run(log, target, compile_mapping(DOCUMENT), journal, RetryPolicy(attempts=1))
    finally:
        await journal.commit()


async def test_a_replay_stopped_half_way_resumes_without_loss_or_repeat(
    tenant: TestTenant, runtime: Runtime
) -> None:
    log, writes = await _claimed_replay(tenant, runtime), Writes()
    with pytest.raises(RunFailed, match="the target went away"):
        await _attempt(log, writes.target(ok=2))
    await log.refresh_from_db()
    resolved = await DeadLetter.filter(resolved_by_sync_log_id=log.id).values_list("entity_key", flat=True)
    # What the first attempt settled is what it loaded, and its counts say so.
    assert sorted(resolved, key=int) == writes.keys == [str(i) for i in range(10)]
    assert (log.total, log.success) == (10, 10)

    await SyncLog.filter(id=log.id).update(attempt=2)
    await log.refresh_from_db()
    await _attempt(log, writes.target())
    await log.refresh_from_db()
    assert writes.keys == [str(i) for i in range(MESSAGES)]  # each record loaded once, in order
    assert (log.total, log.success, log.failed) == (MESSAGES, MESSAGES, 0)
    assert await DeadLetter.filter(resolved_by_sync_log_id=log.id, attempts=2).count() == MESSAGES
