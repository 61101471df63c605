"""Executes one run in a worker: lock the instance, stream the pipeline, record the outcome.

    execute(sync_log_id) -> Outcome
      Done                the run reached a final status (or was not ours to run)
      Wait(seconds)       another run of the instance holds the lock: try again soon
      Retry(seconds)      a transient failure: run again from the last checkpoint after a backoff

The worker job turns Wait/Retry into arq's `Retry`; nothing here knows about arq.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from ezy.connections.models import ConnectionProfile
from ezy.connectors.base import Connector, TransientError
from ezy.connectors.registry import open_connector
from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.instances.options import option
from ezy.locks import InstanceLock
from ezy.logs import request_id_var, run_context
from ezy.mappings.models import MappingConfiguration
from ezy.pipeline.mapping import compile_mapping
from ezy.pipeline.records import RunFailed
from ezy.pipeline.retry import RetryPolicy, RunRetryPolicy
from ezy.runs import replay, sources
from ezy.runs.journal import DbJournal
from ezy.runs.models import TERMINAL, EntityError, SyncLog, SyncStatus, SyncTrigger
from ezy.runtime import current
from ezy.timefmt import utcnow
from ezy.unavailable import is_unavailable

# The runs package's own sources; the webhooks package's is registered by the worker.
sources.register(SyncTrigger.REPLAY, replay.DlqReplay())

log = logging.getLogger("ezy.runs")
HEARTBEAT_SECONDS = 10.0
WAIT_SECONDS = 1.0
MAX_BACKOFF = 600.0


@dataclass(frozen=True)
class Outcome:
    kind: str  # "done" | "wait" | "retry"
    delay: float = 0.0


DONE = Outcome("done")


def retry_policy(instance: Instance) -> RetryPolicy:
    """Per page / per batch retries inside one attempt, from the instance's options."""
    return RetryPolicy(
        attempts=int(option(instance.options, "batchRetries")),
        initial_delay=option(instance.options, "batchRetryDelaySeconds"),
    )


def final_status(counts: dict[str, int]) -> SyncStatus:
    if counts["failed"] == 0:
        return SyncStatus.SUCCEEDED
    return SyncStatus.FAILED if counts["success"] + counts["skipped"] == 0 else SyncStatus.PARTIAL


async def finish(run: SyncLog, status: SyncStatus, *, error: str | None = None, **extra: Any) -> None:
    source = sources.source_for(run.trigger)
    if status in (SyncStatus.FAILED, SyncStatus.CANCELLED):
        await source.give_back(run)
    await SyncLog.filter(id=run.id).update(status=status, error=error, finished_at=utcnow(), **extra)
    await source.settle(run, status, error)
    log.info("run %s %s%s", run.id, status.value, f": {error}" if error else "")


async def execute(sync_log_id: str) -> Outcome:
    run = await SyncLog.get_or_none(id=sync_log_id)
    if run is None or run.status in TERMINAL:
        return DONE
    # Every log line of the run, its connectors' and tasks' included, carries the run's correlation
    # id; as the request id too (a run in the worker has no request of its own).
    token = request_id_var.set(str(run.correlation_id))
    try:
        with run_context(run.correlation_id):
            return await _execute(run)
    finally:
        request_id_var.reset(token)


async def _execute(run: SyncLog) -> Outcome:
    instance = await Instance.get_or_none(id=run.instance_id, tenant_id=run.tenant_id)
    if instance is None or instance.status != "active":
        reason = "the instance was deleted" if instance is None else "the instance is inactive"
        await finish(run, SyncStatus.CANCELLED, error=f"not run: {reason}")
        return DONE
    lock = InstanceLock(current().pool, str(instance.id))
    if not await lock.acquire():
        return await _overlapping(run)
    try:
        claimed = await SyncLog.filter(id=run.id, status=SyncStatus.QUEUED).update(
            status=SyncStatus.RUNNING,
            attempt=run.attempt + 1,
            started_at=run.started_at or utcnow(),
            heartbeat_at=utcnow(),
        )
        if not claimed:
            return DONE  # another job for this run got here first
        await run.refresh_from_db()
        log.info("run %s started (%s, attempt %d)", run.id, run.trigger.value, run.attempt)
        return await _run_locked(run, instance, lock)
    finally:
        await lock.release()
        # After the release, so a run that source queues next does not wait for the lock.
        await sources.source_for(run.trigger).released(run)


async def _overlapping(run: SyncLog) -> Outcome:
    if run.trigger == SyncTrigger.SCHEDULE and run.request.get("overlapPolicy", "skip") == "skip":
        await finish(
            run,
            SyncStatus.CANCELLED,
            error="skipped: another run of this instance was in progress",
            overlap="skipped",
        )
        return DONE
    if run.overlap != "waited":
        await SyncLog.filter(id=run.id).update(overlap="waited")
    return Outcome("wait", WAIT_SECONDS)


async def _run_locked(run: SyncLog, instance: Instance, lock: InstanceLock) -> Outcome:
    base = await _resume_point(run)
    journal = DbJournal(run, base=base, replay=None)
    connectors: list[Connector] = []
    secrets: list[str] = []
    heartbeat = asyncio.create_task(_heartbeat(run, lock))
    try:
        source, target = await _open(instance, connectors, secrets)
        document = compile_mapping((await MappingConfiguration.get(id=instance.mapping_id)).document)
        inputs = sources.RunInputs(instance, source, target, document, journal, retry_policy(instance))
        await sources.source_for(run.trigger).run(run, inputs)
        await journal.commit()
    except RunFailed as exc:
        await journal.commit()
        return await _failed(run, instance, _scrub(exc.message, secrets), transient=_is_transient(exc))
    except asyncio.CancelledError:
        await journal.commit()
        await _hand_back(run)
        raise
    except Exception as exc:  # a bug or a bad configuration: fail the run, keep the worker
        # The database or Redis went away (connections terminated, a restart): tried again, not failed.
        outage = is_unavailable(exc)
        if not outage:
            log.exception("run %s crashed", run.id)
        await journal.commit()
        return await _failed(run, instance, _scrub(f"{type(exc).__name__}: {exc}", secrets), transient=outage)
    finally:
        heartbeat.cancel()
        for connector in connectors:
            with contextlib.suppress(Exception):
                await connector.close()
    await run.refresh_from_db()
    status = final_status({"success": run.success, "failed": run.failed, "skipped": run.skipped})
    error = None if status == "succeeded" else f"{run.failed} of {run.total} records failed"
    await finish(run, status, error=error)
    return DONE


async def _resume_point(run: SyncLog) -> dict[str, Any]:
    """Counts to add this attempt's to. An attempt that never checkpointed starts over cleanly.

    A replay checkpoints with every flush (its settled messages are not taken again), so its
    counts always carry over.
    """
    if run.attempt <= 1 or run.request.get("checkpointed") or run.trigger == SyncTrigger.REPLAY:
        return {
            "counts": {
                "total": run.total,
                "success": run.success,
                "failed": run.failed,
                "skipped": run.skipped,
            },
            "stages": run.stages,
        }
    await EntityError.filter(sync_log_id=run.id).delete()
    await DeadLetter.filter(sync_log_id=run.id, status="pending").delete()
    await SyncLog.filter(id=run.id).update(total=0, success=0, failed=0, skipped=0, stages={})
    return {"counts": {}, "stages": {}}


async def _open(
    instance: Instance, opened: list[Connector], secrets: list[str]
) -> tuple[Connector, Connector]:
    box = current().secret_box
    assert box is not None
    pair: list[Connector] = []
    for profile_id in (instance.source_profile_id, instance.target_profile_id):
        profile = await ConnectionProfile.get(id=profile_id)
        profile_secrets = box.decrypt(profile.secrets_encrypted)
        secrets.extend(str(v) for v in profile_secrets.values() if v)
        connector = open_connector(
            profile.kind,
            profile.config,
            profile_secrets,
            allow_private_networks=current().settings.allow_private_networks,
        )
        opened.append(connector)
        pair.append(connector)
    return pair[0], pair[1]


async def _heartbeat(run: SyncLog, lock: InstanceLock) -> None:
    """Keeps the lock and tells the reaper this run is alive; a lost lock stops the run."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        if not await lock.extend():
            log.error("run %s lost its instance lock; stopping it", run.id)
            raise RuntimeError("instance lock lost")
        await SyncLog.filter(id=run.id).update(heartbeat_at=utcnow())


def _is_transient(exc: RunFailed) -> bool:
    cause = exc.__cause__
    return isinstance(cause, TransientError) or getattr(exc, "transient", False) is True


def _scrub(message: str, secrets: list[str]) -> str:
    """Error texts come from drivers and remote systems: never let a secret through."""
    for secret in secrets:
        if len(secret) >= 4:
            message = message.replace(secret, "***")
    return message[:2000]


async def _failed(run: SyncLog, instance: Instance, message: str, *, transient: bool) -> Outcome:
    policy = RunRetryPolicy(
        retries=int(option(instance.options, "maxRetries")),
        backoff=option(instance.options, "retryBackoffSeconds"),
        max_delay=MAX_BACKOFF,
    )
    delay = policy.next_delay(run.attempt) if transient else None
    if delay is not None:
        await SyncLog.filter(id=run.id).update(status=SyncStatus.QUEUED, error=f"retrying after: {message}")
        return Outcome("retry", delay)
    await finish(run, SyncStatus.FAILED, error=message)
    return DONE


async def _hand_back(run: SyncLog) -> None:
    """Worker shutdown: the run goes back to the queue and resumes from its checkpoint elsewhere."""
    from ezy.runs.recovery import requeue

    with contextlib.suppress(Exception):
        await asyncio.shield(requeue(run.id, reason="handed back"))
