"""How often and how patiently a run retries a source page or a target batch."""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import wait_exponential_jitter


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    initial_delay: float = 0.5  # seconds before the first retry, doubling after each
    max_delay: float = 30.0

    def wait(self) -> wait_exponential_jitter:
        # Jitter keeps many runs that lost the same target from retrying in lockstep.
        return wait_exponential_jitter(
            initial=self.initial_delay, max=self.max_delay, jitter=self.initial_delay
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return min(self.initial_delay * 2 ** (attempt - 1), self.max_delay)
