"""Runaway expressions in a run: entity errors and dead letters within the budget, a worker whose
event loop keeps going (heartbeats, other tenants' runs) while a page evaluates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ezy.dlq.models import DeadLetter
from ezy.expressions import Budget
from ezy.runs import executor
from ezy.runs.models import EntityError, SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.expressions.runaways import RECURSE, SMALL, budget_of
from tests.runs.conftest import DOCUMENT, Drain, make_instance


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(executor, "HEARTBEAT_SECONDS", 0.05)
    with budget_of(SMALL):
        yield


def document(price: str) -> dict[str, Any]:
    return {
        "version": 1,
        "extract": {"resource": "products", "batchSize": 10},
        "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "price": price}},
        "load": {"resource": "items", "keys": ["externalId"], "batchSize": 10},
    }


class LoopWatch:
    """The longest the event loop went without running this task's next step."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, time.monotonic() - started)

    def stop(self) -> float:
        self._task.cancel()
        return self.longest


async def test_runaway_records_fail_with_dead_letters_while_other_runs_finish(
    tenant: TestTenant, other_tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    # Half the records (even ids) recurse forever: each uses its whole 0.3 s, 1.2 s in one page.
    runaway = await make_instance(
        runtime, tenant.id, count=8, document=document(f"id % 2 = 0 ? {RECURSE} : 1")
    )
    normal = await make_instance(runtime, other_tenant.id, count=20, document=DOCUMENT)
    slow = await start_run(tenant.id, runaway.id, RunRequest("api"))
    fast = await start_run(other_tenant.id, normal.id, RunRequest("api"))
    watch = LoopWatch()
    await drain()
    longest = watch.stop()

    slow, fast = await SyncLog.get(id=slow.id), await SyncLog.get(id=fast.id)
    assert (slow.status, slow.total, slow.success, slow.failed) == ("partial", 8, 4, 4)
    assert fast.status in ("succeeded", "partial") and fast.total == 20
    # The other tenant's run is not held up by the runaway one (which burns 1.2 s of budget): its own
    # duration stays well below the runaway's, whichever the worker happened to pick up first.
    assert fast.started_at and fast.finished_at and slow.started_at and slow.finished_at
    assert (fast.finished_at - fast.started_at) < (slow.finished_at - slow.started_at) / 2
    assert longest < 0.5  # on the loop, the page would block it for 1.2 s
    errors = await EntityError.filter(sync_log_id=slow.id).all()
    assert {(e.code, e.details["pointer"]) for e in errors} == {
        ("expression_budget", "/transform/fields/price")
    }
    assert all("time budget of 0.3 seconds" in e.message for e in errors)
    letters = await DeadLetter.filter(sync_log_id=slow.id).all()
    assert len(letters) == 4 and {d.code for d in letters} == {"expression_budget"}


async def test_run_whose_every_record_runs_away_fails(
    tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=3, document=document("$count([1..10000000])"))
    run = await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    await run.refresh_from_db()
    assert (run.status, run.failed) == ("failed", 3)
    assert await DeadLetter.filter(sync_log_id=run.id, code="expression_budget").count() == 3


async def test_a_page_has_a_budget_of_its_own(tenant: TestTenant, runtime: Runtime, drain: Drain) -> None:
    with budget_of(Budget(timeout=0.3, page_timeout=0.5)):
        instance = await make_instance(runtime, tenant.id, count=20, document=document(RECURSE))
        run = await start_run(tenant.id, instance.id, RunRequest("api"))
        started = time.monotonic()
        await drain()
    await run.refresh_from_db()
    assert (run.status, run.failed) == ("failed", 20)
    assert time.monotonic() - started < 4.0  # two pages of 0.5 s, not 20 records x 0.3 s
    messages = [e.message for e in await EntityError.filter(sync_log_id=run.id).all()]
    assert any("time budget of a page (0.5 seconds)" in m for m in messages)
