"""The sample generator's shortcuts make exactly what the plain code made."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ezy.connectors import sample_data


@settings(max_examples=3000, deadline=None)
@given(st.integers(0, 100_000_000))
def test_timestamps_are_what_isoformat_wrote(i: int) -> None:
    assert sample_data.timestamp(i) == sample_data.reference_timestamp(i)


def test_timestamps_of_consecutive_records_across_days_and_offsets() -> None:
    assert all(sample_data.timestamp(i) == sample_data.reference_timestamp(i) for i in range(20_000))


@given(st.integers(-(2**70), 2**70))
def test_the_direct_reseed_makes_the_same_draws(seed: int) -> None:
    plain, direct = random.Random(), random.Random()
    plain.seed(seed)
    sample_data._reseed(direct, seed)
    assert [plain.random() for _ in range(5)] == [direct.random() for _ in range(5)]
