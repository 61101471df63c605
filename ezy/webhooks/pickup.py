"""Getting accepted deliveries into runs without holding up the receiver's answer.

A delivery is stored `accepted` without a run. `ensure_drain(instance)` makes sure a webhook run of
its instance is queued: that run takes the waiting deliveries when it starts (see `batches`). The
receiver asks for it in the background (`notify`): calls for one instance are coalesced, so a burst
costs a handful of look-ups, and a slow or absent Redis delays the run, never the answer. What the
background call could not do, the scheduler's sweep does (`drain_waiting`, every tick, for
deliveries waiting longer than `WAITING_AFTER`), and a run that ends looks for more (`after_run`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from datetime import timedelta

from ezy import queue
from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import current
from ezy.timefmt import utcnow
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger("ezy.webhooks")
WAITING_AFTER = timedelta(seconds=2)
KICK_TIMEOUT_SECONDS = 5.0
# Under a stream every commit notifies: the look-ups (a query each) run at most once per this
# interval, not once per commit (at half the receiver's capacity that was a fifth of its CPU). The
# first after a quiet spell runs at once; a run is asked for at most this much later.
KICK_INTERVAL_SECONDS = 0.05
BATCH_REQUEST = {"batch": True}  # a webhook run that takes waiting deliveries (not one given delivery)


async def endpoint_ids(instance_id: uuid.UUID) -> list[uuid.UUID]:
    return list(await WebhookEndpoint.filter(instance_id=instance_id).values_list("id", flat=True))  # type: ignore[arg-type]


async def fail_waiting(endpoints: list[uuid.UUID], error: str) -> None:
    """The instance cannot run (deactivated or deleted after these were accepted): they fail."""
    waiting = WebhookDelivery.filter(endpoint_id__in=endpoints, status="accepted", sync_log_id=None)
    await waiting.update(status="failed", error=error)


async def ensure_drain(tenant_id: uuid.UUID, instance_id: uuid.UUID, *, sweep: bool = False) -> bool:
    """Queues a webhook run for the instance unless one is queued or running; True if it made one.

    A queued run takes every delivery committed before it starts, and a running one looks for more
    when it ends (`after_run`), so one is enough. The sweep also enqueues a queued run again (a
    no-op while arq holds its job) in case Redis was down when it was made. Deliveries of an
    instance no longer active fail (`fail_waiting`).
    """
    active = SyncLog.filter(instance_id=instance_id, trigger="webhook", status__in=("queued", "running"))
    pending = await active.order_by("created_at").first()
    if pending is not None:
        if sweep and pending.status == "queued":
            await queue.enqueue_run(current().pool, str(pending.id), str(pending.correlation_id))
        return False
    ids = await endpoint_ids(instance_id)
    instance = await Instance.get_or_none(id=instance_id)
    if instance is None or instance.status != "active":
        reason = "the instance was deleted" if instance is None else "the instance is inactive"
        await fail_waiting(ids, f"not run: {reason}")
        return False
    if not await WebhookDelivery.filter(endpoint_id__in=ids, status="accepted", sync_log_id=None).exists():
        return False
    await start_run(tenant_id, instance_id, RunRequest("webhook", details=BATCH_REQUEST))
    return True


class _Kicker:
    def __init__(self) -> None:
        self.dirty: dict[uuid.UUID, uuid.UUID] = {}  # instance id -> tenant id
        self.idle = asyncio.Event()
        self.idle.set()


_kickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Kicker] = weakref.WeakKeyDictionary()
_tasks: set[asyncio.Task[None]] = set()  # strong references: a pending task is not collected


def notify(tenant_id: uuid.UUID, instance_id: uuid.UUID) -> None:
    """The instance has new accepted deliveries: get a run queued, in the background."""
    loop = asyncio.get_running_loop()
    kicker = _kickers.setdefault(loop, _Kicker())
    kicker.dirty[instance_id] = tenant_id
    if kicker.idle.is_set():
        kicker.idle.clear()
        _tasks.add(task := loop.create_task(_kick(kicker)))
        task.add_done_callback(_tasks.discard)


async def _kick(kicker: _Kicker) -> None:
    loop = asyncio.get_running_loop()
    try:
        while kicker.dirty:
            began = loop.time()
            dirty, kicker.dirty = kicker.dirty, {}
            for instance_id, tenant_id in dirty.items():
                try:
                    await asyncio.wait_for(ensure_drain(tenant_id, instance_id), KICK_TIMEOUT_SECONDS)
                except Exception as exc:  # stored already: the scheduler's sweep queues the run
                    log.warning("no run queued for instance %s yet: %s", instance_id, type(exc).__name__)
            await asyncio.sleep(began + KICK_INTERVAL_SECONDS - loop.time())  # notifies meanwhile wait
    finally:
        kicker.idle.set()


async def idle() -> None:
    """Waits until this process has asked for the runs of every delivery it accepted (tests, shutdown)."""
    kicker = _kickers.get(asyncio.get_running_loop())
    if kicker is not None:
        await kicker.idle.wait()


async def after_run(run: SyncLog) -> None:
    """A webhook run of the instance ended (or went back to the queue): deliveries that came
    meanwhile get the next run."""
    try:
        await ensure_drain(run.tenant_id, run.instance_id)
    except Exception as exc:
        log.warning("no run queued after run %s: %s", run.id, type(exc).__name__)


async def drain_waiting(older_than: timedelta = WAITING_AFTER) -> int:
    """The sweep: instances with deliveries waiting longer than `older_than` get a run; returns how many."""
    cutoff = utcnow() - older_than
    stale = WebhookDelivery.filter(status="accepted", sync_log_id=None, received_at__lt=cutoff)
    endpoints = set(await stale.distinct().values_list("endpoint_id", flat=True))
    instances = (
        await WebhookEndpoint.filter(id__in=list(endpoints))
        .distinct()
        .values_list("instance_id", "tenant_id")
    )
    started = 0
    for instance_id, tenant_id in set(instances):
        try:
            started += await ensure_drain(tenant_id, instance_id, sweep=True)
        except Exception as exc:  # one instance must not stop the others
            log.warning("could not queue a run for instance %s: %s", instance_id, type(exc).__name__)
    return started
