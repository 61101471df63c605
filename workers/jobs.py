"""arq jobs: thin shells that call ezy services. Shared clients live in `ctx`, set at start-up."""

from __future__ import annotations

from typing import Any

from arq import Retry

from ezy.runs.executor import execute


async def noop(ctx: dict[str, Any]) -> str:
    """An empty job: the baseline of the queue's own round trip (bench/trigger.py)."""
    return "ok"


async def run_sync(ctx: dict[str, Any], sync_log_id: str) -> str:
    """Runs one sync log; waiting for the instance lock and transient retries go back to arq."""
    outcome = await execute(sync_log_id)
    if outcome.kind != "done":
        raise Retry(defer=outcome.delay)
    return outcome.kind
