"""A webhook batch run retried after its target failed part-way counts each delivery's records once.

The target is the pipeline tests' in-memory one (it can fail on cue); deliveries, journal, dead
letters and sync log are the real ones, on the test database.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ezy.dlq.models import DeadLetter
from ezy.pipeline import RetryPolicy, RunFailed
from ezy.pipeline.mapping import compile_mapping
from ezy.runs.executor import _resume_point
from ezy.runs.journal import DbJournal
from ezy.runs.models import EntityError, SyncLog
from ezy.runtime import Runtime
from ezy.webhooks import batches
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint
from ezy.webhooks.pickup import BATCH_REQUEST
from tests.conftest import TestTenant
from tests.runs.conftest import make_instance
from tests.runs.test_replay_resume import DOCUMENT, Writes

DELIVERIES = 20  # of 2 records each; every 4th delivery's second record has no name (fails validate)


def _records(i: int) -> list[dict[str, Any]]:
    second: dict[str, Any] = {"id": 1000 + i} if i % 4 == 0 else {"id": 1000 + i, "name": f"b{i}"}
    return [{"id": i, "name": f"a{i}"}, second]


async def _batch_run(tenant: TestTenant, runtime: Runtime) -> SyncLog:
    instance = await make_instance(runtime, tenant.id, document=DOCUMENT)
    endpoint = await WebhookEndpoint.create(
        tenant_id=tenant.id, instance_id=instance.id, provider="generic", secret_encrypted="x"
    )
    for i in range(DELIVERIES):
        await WebhookDelivery.create(
            tenant_id=tenant.id, endpoint_id=endpoint.id, external_id=f"m{i}", payload=_records(i)
        )
    return await SyncLog.create(
        tenant_id=tenant.id,
        instance_id=instance.id,
        correlation_id=uuid.uuid4(),
        trigger="webhook",
        status="running",
        attempt=1,
        request=dict(BATCH_REQUEST),
    )


async def _attempt(log: SyncLog, writes: Writes, ok: int | None = None) -> None:
    journal = DbJournal(log, base=await _resume_point(log))
    try:
        document = compile_mapping(DOCUMENT)
        await batches.run_batches(log, writes.target(ok), document, journal, RetryPolicy(attempts=1))
    finally:
        await journal.commit()


async def test_a_batch_retried_after_a_transient_failure_counts_its_records_once(
    tenant: TestTenant, runtime: Runtime
) -> None:
    log, writes = await _batch_run(tenant, runtime), Writes()
    with pytest.raises(RunFailed, match="the target went away"):
        await _attempt(log, writes, ok=3)  # 3 load batches of 5 written, then the target is down
    assert await WebhookDelivery.filter(sync_log_id=log.id, status="accepted").count() == DELIVERIES

    await SyncLog.filter(id=log.id).update(attempt=2)  # the executor's retry
    await log.refresh_from_db()
    await _attempt(log, writes)
    await log.refresh_from_db()

    settled = await WebhookDelivery.filter(sync_log_id=log.id).order_by("received_at", "id")
    assert [d.status for d in settled] == ["processed"] * DELIVERIES  # each settled once, by the retry
    failing = DELIVERIES // 4
    assert [d.error for d in settled if d.error] == ["1 of 2 records failed"] * failing
    records = 2 * DELIVERIES
    assert (log.total, log.success, log.failed, log.skipped) == (records, records - failing, failing, 0)
    assert log.stages["load"]["in"] == records - failing  # stage figures are not doubled either
    assert await EntityError.filter(sync_log_id=log.id).count() == failing
    assert await DeadLetter.filter(sync_log_id=log.id).count() == failing
    assert set(writes.keys) == {str(k) for i in range(DELIVERIES) for k in (i, 1000 + i) if k < 1000 or i % 4}
