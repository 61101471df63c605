"""arq jobs: thin shells that call ezy services. Shared clients live in `ctx`, set at start-up."""

from __future__ import annotations

from typing import Any


async def noop(ctx: dict[str, Any]) -> str:
    """An empty job: the baseline of the queue's own round trip (bench/trigger.py)."""
    return "ok"
