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
counts it once.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

from ezy.connectors.base import Connector
from ezy.pipeline.mapping import MappingDocument
from ezy.pipeline.records import RecordFailure
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.pipeline.stats import RunStats
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog
from ezy.timefmt import utcnow
from ezy.webhooks.models import WebhookDelivery
from ezy.webhooks.pickup import BATCH_REQUEST, endpoint_ids, fail_waiting

BATCH_DELIVERIES = 1000
RUN_DELIVERIES = 20_000
RUN_SECONDS = 10.0


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
    while taken < RUN_DELIVERIES and time.monotonic() - started < RUN_SECONDS:
        batch = await _take(run, endpoints)
        if not batch:
            return
        records: list[Any] = []
        owners: list[int] = []  # record index -> index of its delivery in the batch
        for i, delivery in enumerate(batch):
            payload = delivery.payload
            rows = payload if isinstance(payload, list) else [payload]
            records.extend(rows)
            owners.extend([i] * len(rows))
        book = _BatchBook()
        stats = await run_pipeline(
            None, target, document, book, records=records, refs=list(range(len(records))), retry=policy
        )
        failed = Counter(owners[f.ref] for f in book.recorded)

        async def settle(batch: list[WebhookDelivery] = batch, failed: Counter[int] = failed) -> None:
            await _settle(run, batch, failed)

        await journal.commit_unit(book.recorded, stats, settle)
        taken += len(batch)


async def _take(run: SyncLog, endpoints: list[uuid.UUID]) -> list[WebhookDelivery]:
    """The run's unsettled deliveries (a retried run's), else the oldest waiting ones, claimed."""
    mine = WebhookDelivery.filter(sync_log_id=run.id, status="accepted").order_by("received_at", "id")
    rows = await mine
    if rows:
        return rows
    oldest = WebhookDelivery.filter(endpoint_id__in=endpoints, status="accepted", sync_log_id=None)
    ids = await oldest.order_by("received_at", "id").limit(BATCH_DELIVERIES).values_list("id", flat=True)
    if not ids:
        return []
    # The instance lock makes this run the only one claiming; the guard keeps the claim exact anyway.
    await WebhookDelivery.filter(id__in=list(ids), sync_log_id=None, status="accepted").update(
        sync_log_id=run.id
    )
    if not run.request.get("checkpointed"):
        # A retry of this run keeps the counts of the micro-batches it settled.
        run.request = {**run.request, "checkpointed": True}
        await SyncLog.filter(id=run.id).update(request=run.request)
    return await mine.filter(id__in=list(ids))  # by primary key


async def _settle(run: SyncLog, batch: list[WebhookDelivery], failed: Counter[int]) -> None:
    """Inside the journal's transaction that writes the batch's counts and failures."""
    now = utcnow()
    groups: dict[tuple[str, str | None], list[uuid.UUID]] = {}
    for i, delivery in enumerate(batch):
        payload = delivery.payload
        records = len(payload) if isinstance(payload, list) else 1
        if not failed[i]:
            groups.setdefault(("processed", None), []).append(delivery.id)
            continue
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
        await taken.update(status="processed", processed_at=utcnow(), error=error)
    else:
        await taken.update(status="failed", error=error or f"the run was {status}")
