"""Every evaluation has a budget: runaway expressions fail fast with `ExpressionBudgetError`."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ezy.expressions import (
    Budget,
    ExpressionBudgetError,
    ExpressionError,
    ExpressionSyntaxError,
    compile_expression,
    scope_deadline,
)
from tests.expressions.runaways import (
    CATASTROPHIC_REGEXES,
    EVIL,
    RECURSE,
    RUNAWAYS,
    SMALL,
    TIMEOUT,
    budget_of,
    deep_record,
)


@pytest.fixture(autouse=True)
def small_budget() -> Iterator[None]:
    with budget_of(SMALL):
        yield


@pytest.mark.parametrize(("source", "kind"), RUNAWAYS)
def test_runaway_expression_fails_within_its_budget(source: str, kind: str) -> None:
    expression = compile_expression(source)
    started = time.monotonic()
    with pytest.raises(ExpressionBudgetError) as raised:
        expression.evaluate(deep_record())
    assert time.monotonic() - started < TIMEOUT + 1.0  # without a budget: never
    assert raised.value.budget == kind
    assert "budget" in str(raised.value) or "in all" in str(raised.value)


@pytest.mark.parametrize(("source", "value"), CATASTROPHIC_REGEXES)
def test_catastrophic_regex_answers_at_once(source: str, value: Any) -> None:
    started = time.monotonic()
    assert compile_expression(source).evaluate({"s": EVIL}) == value
    assert time.monotonic() - started < 0.5  # a backtracking engine: minutes


def test_regex_engine_keeps_jsonata_semantics() -> None:
    record = {"s": "2024-01-31", "t": "Ab ab AB"}
    assert (
        compile_expression('$replace(s, /(\\d+)-(\\d+)-(\\d+)/, "$3.$2.$1")').evaluate(record) == "31.01.2024"
    )
    assert compile_expression('$replace(s, /(\\d+)/, "$12")').evaluate(record) == "20242-012-312"
    assert compile_expression("$count($match(t, /ab/i))").evaluate(record) == 3
    assert compile_expression("$match(t, /b/).index").evaluate(record) == [1, 4]


def test_regex_with_a_backreference_is_a_syntax_error_at_compile_time() -> None:
    with pytest.raises(ExpressionSyntaxError, match=r"not supported.*backreferences"):
        compile_expression("$match(s, /(a)\\1/)")


def test_the_time_budget_is_what_was_configured() -> None:
    with budget_of(Budget(timeout=0.05)):
        started = time.monotonic()
        with pytest.raises(ExpressionBudgetError, match=r"time budget of 0\.05 seconds"):
            compile_expression(RECURSE).evaluate({})
        assert time.monotonic() - started < 1.0


def test_a_scope_deadline_cuts_evaluations_short_and_says_so() -> None:
    with scope_deadline(0.05, "a page"):
        with pytest.raises(ExpressionBudgetError, match=r"time budget of a page \(0.05 seconds\)"):
            compile_expression(RECURSE).evaluate({})


def test_budget_error_survives_evals_that_swallow_errors() -> None:
    # $eval turns any error inside it into its own; a budget must still say what ran out.
    with pytest.raises(ExpressionBudgetError, match="time budget"):
        compile_expression(f'$eval("{RECURSE}")').evaluate({})


def test_normal_expressions_are_untouched_by_the_budget() -> None:
    record = {"items": [{"price": i, "tags": ["a", "b"]} for i in range(5000)]}
    expression = compile_expression('$sum(items.price) & "/" & $count(items.tags) & "/" & $sum([1..50000])')
    assert expression.evaluate(record) == "12497500/10000/1250025000"
    assert compile_expression('$pad("7", -4, "0")').evaluate({}) == "0007"


def test_deeply_nested_record_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError):
        compile_expression("$string($)").evaluate(deep_record(100_000))


MEMORY_PROBE = """
import resource, sys
from ezy.expressions import compile_expression, ExpressionBudgetError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for source in sys.argv[1:]:
    try:
        compile_expression(source).evaluate({})
    except ExpressionBudgetError:
        pass
    else:
        raise SystemExit("no budget error: " + source)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_ranges_stay_within_bounded_memory() -> None:
    sources = [
        "$count([1..10000000].([1..10000000]))",
        "$count([1..50000].([1..90000]))",
        '$join([1..50].$pad("", 999999), "")',
    ]
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, *sources], capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    assert int(probe.stdout) < 150  # MiB of peak growth, with the default budget


def test_a_range_of_exactly_the_budget_is_allowed() -> None:
    assert compile_expression("$count([1..100000])").evaluate({}) == 100_000
    with pytest.raises(ExpressionBudgetError, match="100,001 items"):
        compile_expression("[1..100001]").evaluate({})
