"""Retries, all with tenacity: a source page or a target batch inside a run, and a whole run.

    RetryPolicy        a page (extract) or a batch (load) is tried again in place, with
                       exponential backoff plus jitter, up to `attempts` tries in all
    RunRetryPolicy     a run that failed transiently is queued again after a backoff (the queue
                       does the waiting: a new job resumes from the last checkpoint)

The HTTP connector's requests retry with tenacity too (`ezy.connectors._http_request`: its waits
follow `Retry-After`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    initial_delay: float = 0.5  # seconds before the first retry, doubling after each
    max_delay: float = 30.0

    def wait(self) -> wait_base:
        # Jitter keeps many runs that lost the same target from retrying in lockstep.
        return wait_exponential_jitter(
            initial=self.initial_delay, max=self.max_delay, jitter=self.initial_delay
        )

    def retrying(self, *errors: type[BaseException]) -> AsyncRetrying:
        """One unit of work (a page, a batch) tried until it passes or `attempts` tries failed with
        one of `errors`; the last error is raised then, any other error at once."""
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait(),
            retry=retry_if_exception_type(errors),
            reraise=True,
        )


class wait_spread(wait_base):
    """`inner`'s wait times a random factor in [1 - spread, 1 + spread]."""

    def __init__(self, inner: wait_base, spread: float) -> None:
        self.inner = inner
        self.spread = spread

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.inner(retry_state) * random.uniform(1 - self.spread, 1 + self.spread)


@dataclass(frozen=True)
class RunRetryPolicy:
    """Whole-run retries after a transient failure (an instance's `maxRetries`, `retryBackoffSeconds`)."""

    retries: int
    backoff: float
    max_delay: float = 600.0

    def next_delay(self, attempt: int) -> float | None:
        """Seconds before the try after try number `attempt` (1-based); None when that was the last."""
        state = RetryCallState(AsyncRetrying(), fn=None, args=(), kwargs={})
        state.attempt_number = attempt
        if stop_after_attempt(self.retries + 1)(state):
            return None
        return wait_spread(wait_exponential(multiplier=self.backoff, max=self.max_delay), 0.2)(state)
