"""A process settles its heap once started: what start-up built leaves the collector's walks."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ezy import heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_freezes_what_is_alive_and_collects_less_often(restored_collector: None) -> None:
    built_at_start = [{"n": n} for n in range(1000)]
    heap.settle()
    assert gc.get_freeze_count() >= len(built_at_start)
    assert gc.get_threshold()[0] == heap.FIRST_GENERATION
    # Cycles made afterwards are still collected.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
