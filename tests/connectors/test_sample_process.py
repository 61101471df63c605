"""A long sample read has its pages made ahead in a child process: the same records and cursors as
made in the run's own process, and no child left behind however the read or its run ends."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from typing import Any

import pytest

from ezy.connectors import _sample_process, sample
from ezy.connectors.base import TransientError
from ezy.connectors.sample import SampleConnector
from ezy.pipeline import MemoryJournal, RetryPolicy, run_pipeline
from tests.pipeline.fakes import MemoryTarget

from .test_sample_pinned import PINNED


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[_sample_process.GeneratorProcess]:
    """Every read in a child process (however short), and the processes started."""
    processes: list[_sample_process.GeneratorProcess] = []
    start = _sample_process.GeneratorProcess.start

    async def recorded(*args: Any) -> _sample_process.GeneratorProcess:
        process = await start(*args)
        processes.append(process)
        return process

    monkeypatch.setattr(sample, "PROCESS_MIN_RECORDS", 1)
    monkeypatch.setattr(_sample_process.GeneratorProcess, "start", recorded)
    return processes


def gone(pid: int) -> bool:
    """Whether the process has ended and been reaped (no zombie left either)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def pages_of(connector: SampleConnector, resource: str, **kwargs: Any) -> list[tuple[Any, Any]]:
    return [(p.records, p.cursor) async for p in connector.read(resource, **kwargs)]


@pytest.mark.parametrize("resource", sorted(PINNED))
async def test_a_process_gives_the_records_it_always_gave(
    resource: str, started: list[_sample_process.GeneratorProcess]
) -> None:
    digest = hashlib.sha256()
    async for page in SampleConnector({"count": 400, "seed": 5}).read(
        resource, batch_size=64, cursor_field="updated_at"
    ):
        digest.update(json.dumps(page.records).encode())
        digest.update(str(page.cursor).encode())
    assert digest.hexdigest() == PINNED[resource]
    assert len(started) == 1 and gone(started[0].pid)


async def test_pages_made_in_a_process_are_the_ones_made_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pages of more than one chunk and a last page cut short, read on from a cursor.
    connector = SampleConnector({"count": 5300, "seed": 11})
    cursor = (await anext(connector.read("orders", batch_size=700, cursor_field="updated_at"))).cursor
    kwargs: dict[str, Any] = {"batch_size": 2100, "cursor": cursor, "cursor_field": "updated_at"}
    monkeypatch.setattr(sample, "PROCESS_MIN_RECORDS", 10**9)
    here = await pages_of(connector, "orders", **kwargs)
    monkeypatch.setattr(sample, "PROCESS_MIN_RECORDS", 1)
    made_apart = await pages_of(connector, "orders", **kwargs)
    assert [len(records) for records, _ in made_apart] == [2100, 2100, 400]
    assert made_apart == here


async def test_a_read_closed_early_ends_its_process(started: list[_sample_process.GeneratorProcess]) -> None:
    pages = SampleConnector({"count": 50_000, "seed": 1}).read("products", batch_size=1000)
    assert len((await anext(pages)).records) == 1000
    await pages.aclose()
    assert len(started) == 1 and gone(started[0].pid)


class StuckTarget(MemoryTarget):
    """A target whose write never ends: the run is cancelled in the middle of a load."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = asyncio.Event()

    async def write(self, resource: str, records: Any, **kwargs: Any) -> Any:
        self.writing.set()
        await asyncio.Event().wait()


def _doc() -> dict[str, Any]:
    return {
        "version": 1,
        "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 500},
        "transform": {"key": "id", "fields": {"id": "id", "title": "title"}},
        "load": {"resource": "items", "keys": ["id"], "batchSize": 1000},
    }


async def test_a_cancelled_run_leaves_no_process_behind(
    started: list[_sample_process.GeneratorProcess],
) -> None:
    target = StuckTarget()
    run = asyncio.create_task(
        run_pipeline(SampleConnector({"count": 100_000, "seed": 1}), target, _doc(), MemoryJournal())
    )
    await asyncio.wait_for(target.writing.wait(), 30)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert len(started) == 1 and gone(started[0].pid)


async def test_a_run_whose_generator_dies_reads_on_from_its_checkpoint(
    started: list[_sample_process.GeneratorProcess],
) -> None:
    """The child killed mid-read is a transient error of extract: the page is read again, from the
    last cursor, by a new process, and every record is loaded once."""
    source, target, journal = SampleConnector({"count": 3000, "seed": 2}), MemoryTarget(), MemoryJournal()

    written = 0

    class KillingTarget(MemoryTarget):
        async def write(self, resource: str, records: Any, **kwargs: Any) -> Any:
            nonlocal written
            if len(started) == 1 and not gone(started[0].pid):
                os.kill(started[0].pid, 9)
            written += len(records)
            return await target.write(resource, records, **kwargs)

    retry = RetryPolicy(attempts=3, initial_delay=0.001, max_delay=0.005)
    stats = await run_pipeline(source, KillingTarget(), _doc(), journal, retry=retry)
    assert stats.success == 3000 and stats.failed == 0
    assert written == 3000
    assert set(target.rows) == {(r["id"],) for r in source.generate("products", 0, 3000)}
    assert len(started) >= 2 and all(gone(p.pid) for p in started)


async def test_a_dead_generator_is_a_transient_error(started: list[_sample_process.GeneratorProcess]) -> None:
    pages = SampleConnector({"count": 50_000, "seed": 1}).read("products", batch_size=1000)
    await anext(pages)
    os.kill(started[0].pid, 9)
    with pytest.raises(TransientError, match="sample generator process ended"):
        async for _ in pages:
            pass
    assert gone(started[0].pid)


async def test_with_no_process_to_be_had_the_pages_are_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = await pages_of(SampleConnector({"count": 30, "seed": 3}), "customers", batch_size=7)
    monkeypatch.setattr(sample, "PROCESS_MIN_RECORDS", 1)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert await pages_of(SampleConnector({"count": 30, "seed": 3}), "customers", batch_size=7) == expected
