"""`ezy up` keeps its roles: one that dies is logged and restarted with backoff; a stop stops it."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ezy.runtime import Runtime
from ezy.server import supervised

pytestmark = pytest.mark.faults


async def test_a_role_that_dies_is_restarted_with_backoff_until_it_stays_up(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    starts: list[float] = []
    running = asyncio.Event()

    async def flaky(rt: Runtime) -> None:
        starts.append(asyncio.get_running_loop().time())
        if len(starts) == 1:
            raise RuntimeError("a bug in the role")
        if len(starts) == 2:
            return  # a role must never return on its own either
        running.set()
        await asyncio.Event().wait()

    caplog.set_level(logging.ERROR, logger="ezy.server")
    task = asyncio.create_task(supervised("worker", flaky, first_delay=0.05)(runtime))
    await asyncio.wait_for(running.wait(), timeout=10)
    # Backing off: 0.05 s (plus jitter) after the first failure, at least twice that after the second.
    assert len(starts) == 3 and starts[1] - starts[0] >= 0.05 and starts[2] - starts[1] >= 0.1
    lines = [r.getMessage() for r in caplog.records]
    assert "the worker stopped (RuntimeError: a bug in the role); restarting it in" in lines[0]
    assert "the worker stopped (RoleEnded: the worker returned)" in lines[1]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task  # a stop is not a failure: no restart
    assert len(starts) == 3
