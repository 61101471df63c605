"""Runs that lost their worker: handed back on shutdown, or found by the reaper after a SIGKILL.

A run is abandoned when it is `running` but its heartbeat is older than ABANDONED_AFTER (the
instance lock, extended with each heartbeat, has expired by then too). It goes back to `queued`
under a new job id and resumes from its instance's last checkpoint.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from ezy import queue
from ezy.runs.models import SyncLog, SyncStatus
from ezy.runtime import current
from ezy.timefmt import utcnow

ABANDONED_AFTER = timedelta(seconds=45)
MAX_ABANDONED_ATTEMPTS = 5


async def requeue(run_id: Any, *, reason: str) -> bool:
    """`running` -> `queued` and enqueued again; False if the run was not running any more."""
    moved = await SyncLog.filter(id=run_id, status=SyncStatus.RUNNING).update(
        status=SyncStatus.QUEUED, error=f"requeued: {reason}"
    )
    if not moved:
        return False
    run = await SyncLog.get(id=run_id)
    await queue.enqueue_run(current().pool, str(run.id), f"{run.correlation_id}:{uuid.uuid4().hex[:8]}")
    return True


async def reap_abandoned(now: Any = None) -> int:
    """Requeues every run whose worker stopped beating; returns how many.

    A run that has already lost MAX_ABANDONED_ATTEMPTS workers (one that kills its worker, say by
    running it out of memory) is failed instead, so it cannot take worker after worker down.
    """
    cutoff = (now or utcnow()) - ABANDONED_AFTER
    stale = await SyncLog.filter(status=SyncStatus.RUNNING, heartbeat_at__lt=cutoff).values_list(
        "id", "attempt"
    )
    count = 0
    for run_id, attempt in stale:
        if attempt >= MAX_ABANDONED_ATTEMPTS:
            error = f"failed: its worker stopped responding on each of {attempt} attempts"
            await SyncLog.filter(id=run_id, status=SyncStatus.RUNNING).update(
                status=SyncStatus.FAILED, error=error, finished_at=utcnow()
            )
            continue
        count += await requeue(run_id, reason="its worker stopped responding")
    return count


STALE_QUEUED_AFTER = timedelta(minutes=2)


async def reenqueue_stale_queued(now: Any = None) -> int:
    """Runs `queued` for a while whose job may be gone (Redis lost it, or was down at enqueue time).

    They are enqueued again under their correlation id: arq refuses a job id it still holds (queued,
    deferred by a lock wait, or in progress), so a run whose job exists is left alone, and a second
    job for one run would find it no longer `queued` and do nothing.
    """
    cutoff = (now or utcnow()) - STALE_QUEUED_AFTER
    stale = await SyncLog.filter(status=SyncStatus.QUEUED, created_at__lt=cutoff).limit(500)
    count = 0
    for run in stale:
        count += await queue.enqueue_run(current().pool, str(run.id), str(run.correlation_id))
    return count
