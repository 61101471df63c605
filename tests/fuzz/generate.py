"""Drawing schemathesis cases without running them: the app is then called in the test's own loop
(the ORM's connections belong to it), and a derandomized Hypothesis makes every run the same."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings


def generated(strategy: Any, examples: int) -> list[Any]:
    cases: list[Any] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases
