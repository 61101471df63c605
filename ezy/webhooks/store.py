"""Group commit of deliveries: the rows of concurrent requests are written together.

A request hands its row to `store` and waits. When no write is in flight the row is written at once;
rows that arrive meanwhile are written together by the next write, as soon as the current one ends
(no timer: a lone request waits for nothing but its own INSERT). A write is one multi-row INSERT
that skips rows whose `dedup_key` is taken, plus, only when some rows carry a key, one SELECT that
tells which of them got it; rows that did not are then stored as `duplicate` (a third statement,
only when there are repeats). The caller gets its row back as stored (`accepted` or `duplicate`)
once it is committed, so the answer is sent only for what is durable.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

from ezy.webhooks.models import WebhookDelivery

MAX_ROWS_PER_WRITE = 500


@dataclass
class _Writer:
    waiting: list[tuple[WebhookDelivery, asyncio.Future[WebhookDelivery]]] = field(default_factory=list)
    busy: bool = False


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Writer] = weakref.WeakKeyDictionary()
_tasks: set[asyncio.Task[None]] = set()  # strong references: a pending task is not collected


async def store(row: WebhookDelivery) -> WebhookDelivery:
    """Commits `row` (its `id` set by the caller) with whatever other rows are waiting."""
    loop = asyncio.get_running_loop()
    writer = _writers.setdefault(loop, _Writer())
    done: asyncio.Future[WebhookDelivery] = loop.create_future()
    writer.waiting.append((row, done))
    if not writer.busy:
        writer.busy = True
        _tasks.add(task := loop.create_task(_drain(writer)))
        task.add_done_callback(_tasks.discard)
    # Shielded: a client that disconnects does not cancel the write the others share.
    return await asyncio.shield(done)


async def _drain(writer: _Writer) -> None:
    try:
        while writer.waiting:
            batch = writer.waiting[:MAX_ROWS_PER_WRITE]
            del writer.waiting[:MAX_ROWS_PER_WRITE]
            try:
                stored = await _write([row for row, _ in batch])
            except Exception as exc:  # every request of the batch answers with the failure
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), row in zip(batch, stored, strict=True):
                if not done.done():
                    done.set_result(row)
    finally:
        writer.busy = False


async def _write(rows: list[WebhookDelivery]) -> list[WebhookDelivery]:
    await WebhookDelivery.bulk_create(rows, ignore_conflicts=True)
    keys = {row.dedup_key for row in rows if row.dedup_key is not None}
    if not keys:
        return rows
    owners = dict(await WebhookDelivery.filter(dedup_key__in=list(keys)).values_list("dedup_key", "id"))
    repeats = [row for row in rows if row.dedup_key is not None and owners.get(row.dedup_key) != row.id]
    for row in repeats:
        first = owners.get(row.dedup_key)
        row.status, row.dedup_key, row.sync_log_id = "duplicate", None, None
        row.error = f"duplicate of delivery {first}" if first else "duplicate"
    if repeats:
        await WebhookDelivery.bulk_create(repeats)
    return rows
