"""Runaway expressions and a small budget to run them under, shared by the expression, preview and
run tests. Each would hang the process or exhaust its memory without a budget."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ezy.expressions import Budget, budget, configure_budget

# Fast enough for CI, long enough that a normal expression never comes near it.
TIMEOUT = 0.3
SMALL = Budget(timeout=TIMEOUT, preview_timeout=5.0, page_timeout=10.0)

RECURSE = "($f := function($n){ $f($n + 1) }; $f(0))"
RUNAWAYS = [
    pytest.param(RECURSE, "time", id="recursive-lambda-tail-call"),
    pytest.param("($f := function($n){ 1 + $f($n + 1) }; $f(0))", "depth", id="recursive-lambda-stack"),
    pytest.param(
        "($even := function($n){ $n = 0 ? true : $odd($n - 1) };"
        " $odd := function($n){ $n = 0 ? false : $even($n - 1) }; $even(1000000000))",
        "time",
        id="mutual-recursion",
    ),
    pytest.param("$count([1..10000000].([1..10000000]))", "items", id="huge-range"),
    pytest.param("$count([1..50000].([1..90000]))", "items", id="range-mapped-over-range"),
    pytest.param(
        '($d := function($s, $n){ $n = 0 ? $s : $d($s & $s, $n - 1) }; $d("ab", 64))',
        "string",
        id="string-doubling",
    ),
    pytest.param('$pad("x", 1000000000)', "string", id="pad-to-huge-width"),
    pytest.param('$join([1..1000].$string(), $pad("", 900000))', "string", id="join-huge-separator"),
    pytest.param('$replace($pad("", 900000, "a"), "a", "bbbbbbbbbb")', "string", id="replace-multiplies"),
    pytest.param("$count($distinct([1..99999]))", "time", id="quadratic-distinct"),
    pytest.param(
        "($walk := function($o){ $exists($o.a) ? 1 + $walk($o.a) : 0 }; $walk(deep))",
        "depth",
        id="recursion-over-deep-record",
    ),
]

# Backtracking engines take exponential time on these; RE2 answers at once, so they need no budget.
EVIL = "a" * 40 + "!"
CATASTROPHIC_REGEXES = [
    pytest.param("$match(s, /(a+)+$/)", None, id="match"),
    pytest.param('$replace(s, /(a|aa)+$/, "x")', EVIL, id="replace"),
    pytest.param("$contains(s, /(a*)*b/)", False, id="contains"),
    pytest.param("$split(s, /(a+)+b/)", [EVIL], id="split"),
]


def deep_record(depth: int = 900) -> dict[str, Any]:
    record: dict[str, Any] = {}
    inner = record
    for _ in range(depth):
        inner["a"] = {}
        inner = inner["a"]
    return {"deep": record, "s": EVIL}


@contextmanager
def budget_of(value: Budget) -> Iterator[None]:
    before = budget()
    configure_budget(value)
    try:
        yield
    finally:
        configure_budget(before)
