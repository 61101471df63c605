"""Whole-run retries: when a transiently failed run is tried again, and when it is not."""

from __future__ import annotations

import pytest

from ezy.pipeline.retry import RunRetryPolicy


def test_a_run_is_retried_with_doubling_spread_delays_until_its_retries_are_spent() -> None:
    policy = RunRetryPolicy(retries=3, backoff=5.0)
    for attempt, base in ((1, 5.0), (2, 10.0), (3, 20.0)):
        delays = [policy.next_delay(attempt) for _ in range(200)]
        assert all(d is not None and base * 0.8 <= d <= base * 1.2 for d in delays)
        assert len(set(delays)) > 1  # spread: runs that failed together do not retry together
    assert policy.next_delay(4) is None
    assert policy.next_delay(9) is None


@pytest.mark.parametrize("attempt", [1, 2])
def test_no_retries_means_none(attempt: int) -> None:
    assert RunRetryPolicy(retries=0, backoff=5.0).next_delay(attempt) is None


def test_the_delay_is_capped() -> None:
    policy = RunRetryPolicy(retries=50, backoff=5.0, max_delay=600.0)
    delay = policy.next_delay(30)
    assert delay is not None and 480.0 <= delay <= 720.0
