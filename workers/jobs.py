"""arq jobs: thin shells that call ezy services. Shared clients live in `ctx`, set at start-up."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from ezy.outages import OUTAGE, describe
from ezy.runs.executor import execute
from ezy.unavailable import is_unavailable

log = logging.getLogger("ezy.worker")
# A run interrupted by a Redis or database outage is tried again after this (its run resumes from
# the database: a finished run is left alone, a queued one starts, a claimed one is the reaper's).
OUTAGE_RETRY_SECONDS = 2.0


async def noop(ctx: dict[str, Any]) -> str:
    """An empty job: the baseline of the queue's own round trip (bench/trigger.py)."""
    return "ok"


async def run_sync(ctx: dict[str, Any], sync_log_id: str) -> str:
    """Runs one sync log; waiting for the instance lock and transient retries go back to arq.

    An outage is a `Retry` too: any other exception would make arq record the job as failed and
    keep its id for an hour, so the run could not be enqueued again under its correlation id.
    """
    try:
        outcome = await execute(sync_log_id)
    except Exception as exc:
        # `is_unavailable` also knows the driver errors that only their message tells from a bug
        # (asyncpg's "cannot switch to state" on a connection the server terminated mid-query).
        if not (isinstance(exc, OUTAGE) or is_unavailable(exc)):
            raise
        delay = OUTAGE_RETRY_SECONDS
        log.warning("run %s interrupted (%s); trying again in %.0f s", sync_log_id, describe(exc), delay)
        raise Retry(defer=OUTAGE_RETRY_SECONDS) from exc
    if outcome.kind != "done":
        raise Retry(defer=outcome.delay)
    return outcome.kind
