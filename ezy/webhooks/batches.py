"""Webhook runs in micro-batches: a run takes the accepted deliveries of its instance, oldest first.

Limits: a micro-batch is at most `BATCH_DELIVERIES` deliveries, taken in received order; the run
processes it through the five stages, settles each of its deliveries, and takes the next, until none
is waiting, or it has taken `RUN_DELIVERIES`, or it has run `RUN_SECONDS` (deliveries still waiting
then get the next run: `pickup.after_run`). Nothing waits to fill a batch: a run takes what has
arrived when it starts, so a lone delivery is processed at once, and a burst that arrives while a
run works is taken together by the next micro-batch.

Runs of one instance hold its lock, and each takes the oldest waiting deliveries, so two updates of
one entity are applied in the order they were received. Each delivery links to the run that took it
(`syncLogId`) and ends on its own records: `processed` when none failed, `processed` with an error
when some did, `failed` when all did. The run's counts, entity errors and dead letters are the sum
of its micro-batches', each written in the transaction that settles its deliveries: a run retried
or resumed after a failure or a kill part-way through a batch takes that batch again whole and
counts it once. A batch that fails because the database went away (its connections terminated,
a restart) is taken again by the same run once the database answers, for up to `OUTAGE_SECONDS`:
a blip does not fail the deliveries. A Shopify delivery older (by its entity's `updated_at`) than
what the target already has is settled `skipped` and counted as skipped: see `watermarks`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from typing import Any

from tortoise import connections

from ezy.connectors.base import Connector
from ezy.outages import wait_out
from ezy.pipeline.mapping import MappingDocument
from ezy.pipeline.records import RecordFailure
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.pipeline.stats import RunStats
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog
from ezy.timefmt import utcnow
from ezy.unavailable import is_unavailable
from ezy.webhooks import watermarks
from ezy.webhooks.models import WebhookDelivery
from ezy.webhooks.pickup import BATCH_REQUEST, endpoint_ids, fail_waiting

log = logging.getLogger("ezy.webhooks")
BATCH_DELIVERIES = 1000
RUN_DELIVERIES = 20_000
RUN_SECONDS = 10.0
# A micro-batch that fails because the database went away (connections terminated, a restart, a
# failover) is taken again once it answers; for this long, then the run fails as any other would.
OUTAGE_SECONDS = 60.0


def is_batch(run: SyncLog) -> bool:
    return run.trigger == "webhook" and run.request.get("batch") == BATCH_REQUEST["batch"]


class _BatchBook:
    """The runner's journal for one micro-batch: holds its failures (noting which records failed)
    and its counts until the batch settles, so they are written with its settlement or not at all."""

    def __init__(self) -> None:
        self.recorded: list[RecordFailure] = []
        self.stats: RunStats | None = None

    async def progress(self, stats: RunStats) -> None:
        self.stats = stats

    async def failures(self, failures: list[RecordFailure]) -> None:
        self.recorded.extend(failures)

    async def passed(self, refs: list[Any]) -> None:
        return None  # only failures matter here

    async def checkpoint(self, cursor: str) -> None:
        return None  # deliveries have no cursor: a batch's settlement is its checkpoint


async def run_batches(
    run: SyncLog, target: Connector, document: MappingDocument, journal: DbJournal, policy: RetryPolicy
) -> None:
    endpoints = await endpoint_ids(run.instance_id)
    started, taken = time.monotonic(), 0
    outage: float | None = None  # when the database went away, while batches keep failing on it
    while True:
        more = taken < RUN_DELIVERIES and time.monotonic() - started < RUN_SECONDS
        try:
            if outage is not None:
                await _recount(run, journal)
            count = await _one_batch(run, endpoints, target, document, journal, policy, more=more)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            outage = outage or time.monotonic()
            left = OUTAGE_SECONDS - (time.monotonic() - outage)
            if left <= 0:
                raise
            # The batch did not settle: it is taken again whole (its deliveries are this run's).
            await _database_back(exc, left)
            continue
        if not count:
            return
        outage, taken = None, taken + count


async def _recount(run: SyncLog, journal: DbJournal) -> None:
    """After an outage the journal's counts are read back: a commit whose answer was lost may have
    landed (its deliveries are settled, its counts written), and the next batch adds to those."""
    row = await SyncLog.get(id=run.id)
    counts = {"total": row.total, "success": row.success, "failed": row.failed, "skipped": row.skipped}
    journal.base = {"counts": counts, "stages": row.stages}


async def _one_batch(
    run: SyncLog,
    endpoints: list[uuid.UUID],
    target: Connector,
    document: MappingDocument,
    journal: DbJournal,
    policy: RetryPolicy,
    *,
    more: bool,
) -> int:
    """Takes, processes and settles one micro-batch; returns how many deliveries it took.
    `more=False`: only a batch this run took and has not settled (one an outage interrupted)."""
    batch = await _take(run, endpoints, more=more)
    if not batch:
        return 0
    verdict = await watermarks.sort_out(run.instance_id, run.tenant_id, batch)
    records: list[Any] = []
    owners: list[int] = []  # record index -> index of its delivery in the batch
    for i, delivery in enumerate(batch):
        if i not in verdict.stale:
            rows = _records(delivery)
            records.extend(rows)
            owners.extend([i] * len(rows))
    book = _BatchBook()
    stats = RunStats()
    if records:
        stats = await run_pipeline(
            None, target, document, book, records=records, refs=list(range(len(records))), retry=policy
        )
    skipped = sum(len(_records(batch[i])) for i in verdict.stale)  # stale: counted, not loaded
    stats.total, stats.skipped = stats.total + skipped, stats.skipped + skipped
    failed = Counter(owners[f.ref] for f in book.recorded)

    async def settle() -> None:
        await _settle(run, batch, failed, verdict.stale)
        applied = {i for i in range(len(batch)) if i not in verdict.stale and not failed[i]}
        await watermarks.advance(verdict, batch, applied)

    await journal.commit_unit(book.recorded, stats, settle)
    return len(batch)


def _records(delivery: WebhookDelivery) -> list[Any]:
    payload = delivery.payload
    return payload if isinstance(payload, list) else [payload]


async def _database_back(cause: BaseException, within: float) -> None:
    """Waits (with backoff, at most `within` seconds) until the database answers again."""

    async def ping() -> None:
        try:
            await connections.get("default").execute_query("SELECT 1")
        except Exception as exc:
            if is_unavailable(exc):  # as an outage `wait_out` retries
                raise ConnectionError(type(exc).__name__) from exc
            raise

    await asyncio.wait_for(wait_out(ping, what="database", log=log, cause=cause), within)


async def _take(run: SyncLog, endpoints: list[uuid.UUID], *, more: bool = True) -> list[WebhookDelivery]:
    """The run's unsettled deliveries (a retried run's), else (`more`) the oldest waiting ones, claimed."""
    mine = WebhookDelivery.filter(sync_log_id=run.id, status="accepted").order_by("received_at", "id")
    rows = await mine
    if rows or not more:
        return rows
    oldest = WebhookDelivery.filter(endpoint_id__in=endpoints, status="accepted", sync_log_id=None)
    ids = await oldest.order_by("received_at", "id").limit(BATCH_DELIVERIES).values_list("id", flat=True)
    if not ids:
        return []
    if not run.request.get("checkpointed"):
        # Before the first claim: a retry of this run keeps the counts of the batches it settled.
        request = {**run.request, "checkpointed": True}
        await SyncLog.filter(id=run.id).update(request=request)
        run.request = request
    # The instance lock makes this run the only one claiming; the guard keeps the claim exact anyway.
    await WebhookDelivery.filter(id__in=list(ids), sync_log_id=None, status="accepted").update(
        sync_log_id=run.id
    )
    return await mine.filter(id__in=list(ids))  # by primary key


async def _settle(run: SyncLog, batch: list[WebhookDelivery], failed: Counter[int], stale: set[int]) -> None:
    """Inside the journal's transaction that writes the batch's counts and failures."""
    now = utcnow()
    groups: dict[tuple[str, str | None], list[uuid.UUID]] = {}
    for i, delivery in enumerate(batch):
        records = len(_records(delivery))
        if i in stale:
            groups.setdefault(("skipped", watermarks.STALE), []).append(delivery.id)
        elif not failed[i]:
            groups.setdefault(("processed", None), []).append(delivery.id)
        else:
            status = "failed" if failed[i] == records else "processed"
            groups.setdefault((status, f"{failed[i]} of {records} records failed"), []).append(delivery.id)
    for (status, error), ids in groups.items():
        processed_at = now if status == "processed" else None
        await WebhookDelivery.filter(id__in=ids, sync_log_id=run.id, status="accepted").update(
            status=status, error=error, processed_at=processed_at
        )


async def settle_unsettled(run: SyncLog, status: str, error: str | None) -> None:
    """The run ended without settling what it took (it failed or was cancelled): so do they."""
    taken = WebhookDelivery.filter(sync_log_id=run.id, status="accepted")
    if status == "cancelled":  # not run (the instance was deactivated or deleted): neither can the rest
        await fail_waiting(await endpoint_ids(run.instance_id), error or "not run")
    if status in ("succeeded", "partial"):
        # Taken but never processed (cannot happen once `run_batches` returns): the next run takes them.
        await taken.update(sync_log_id=None)
    else:
        await taken.update(status="failed", error=error or f"the run was {status}")
