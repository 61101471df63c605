"""Evaluation budgets: no mapping expression may hang a process or fill its memory.

    Budget                  the limits (settings `EZY_EXPRESSION_*`), one per process: `configure()`
    Meter                   one evaluation's spending; a backend calls `start()` then the checks
    ExpressionBudgetError   an `ExpressionError` that says which budget ran out
    scope_deadline()        caps the time of every evaluation in this thread (a preview, a page)

Per evaluation: `timeout` seconds, `max_depth` nested evaluations (recursion), and no sequence longer
than `max_items` nor string longer than `max_string` characters. The values an evaluation builds add
up too: at most TOTAL_FACTOR times those, so a range mapped over ranges cannot grow the heap one
allowed-size step after another. Any backend (the interpreter, a compiler) shares this module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING, Literal

from ezy.expressions._base import ExpressionError

if TYPE_CHECKING:
    from ezy.config import Settings

BudgetKind = Literal["time", "depth", "items", "string"]
TOTAL_FACTOR = 10


@dataclass(frozen=True)
class Budget:
    timeout: float = 1.0  # seconds per evaluation
    max_depth: int = 1000  # nested evaluations; Python itself gives up near 2,500 here
    max_items: int = 100_000  # longest sequence (array, range)
    max_string: int = 1_000_000  # longest string, in characters
    preview_timeout: float = 10.0  # seconds for all the evaluations of one preview request
    page_timeout: float = 60.0  # seconds for all the evaluations of one page of a run

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        """From the settings' `expression_*` fields (env `EZY_EXPRESSION_*`)."""
        return cls(**{name: getattr(settings, f"expression_{name}") for name in cls.__dataclass_fields__})


class ExpressionBudgetError(ExpressionError):
    """An evaluation ran out of one of its budgets; `budget` says which."""

    def __init__(self, budget: BudgetKind, message: str) -> None:
        super().__init__(message)
        self.budget = budget
        self.pointer: str | None = None  # where the expression is in the mapping, once known


class BudgetTripped(BaseException):
    """Unwinds an evaluation past the interpreter's `except Exception` blocks (e.g. `$eval`'s)."""


_budget = Budget()


def configure(budget: Budget) -> None:
    """Sets the process's budget (the runtime does, from the settings)."""
    global _budget
    _budget = budget


def current() -> Budget:
    return _budget


# How long an evaluation runs before it first lets other threads in, and then how often.
YIELD_EVERY = 0.001

_scope = threading.local()


@contextmanager
def scope_deadline(seconds: float, what: str) -> Iterator[None]:
    """No evaluation in this thread runs past `seconds` from now; `what` names the scope in errors."""
    outer = getattr(_scope, "cap", None)
    cap = (monotonic() + seconds, seconds, what)
    _scope.cap = cap if outer is None or cap[0] < outer[0] else outer
    try:
        yield
    finally:
        _scope.cap = outer


def _seconds(n: float) -> str:
    return f"{n:g} second" if n == 1 else f"{n:g} seconds"


class Meter:
    """The spending of one evaluation at a time. Not shared between threads: one per expression.

    A backend checks it around every step (the interpreter: every node), so the limits are copied
    onto the meter when an evaluation starts and the checks stay a few comparisons; `over_*` make
    the error to raise.
    """

    __slots__ = (
        "budget",
        "cap",
        "chars_left",
        "deadline",
        "depth",
        "error",
        "items_left",
        "max_depth",
        "max_items",
        "max_string",
        "yield_at",
    )

    def __init__(self) -> None:
        self.budget = Budget()  # replaced by the process's budget at the first start
        self.error: ExpressionBudgetError | None = None
        self.start()

    def start(self) -> None:
        budget = _budget
        if budget is not self.budget:
            self.budget = budget
            self.max_depth, self.max_items, self.max_string = (
                budget.max_depth,
                budget.max_items,
                budget.max_string,
            )
        self.items_left = self.max_items * TOTAL_FACTOR
        self.chars_left = self.max_string * TOTAL_FACTOR
        self.deadline = deadline = monotonic() + budget.timeout
        cap: tuple[float, float, str] | None = getattr(_scope, "cap", None)
        if cap is not None and cap[0] < deadline:
            self.deadline = cap[0]
        else:
            cap = None
        self.cap = cap
        self.depth = 0
        self.error = None
        self.yield_at = monotonic() + YIELD_EVERY

    def trip(self, budget: BudgetKind, message: str) -> BudgetTripped:
        self.error = ExpressionBudgetError(budget, message)
        return BudgetTripped()

    def check_time(self) -> None:
        """For a long step that evaluates no node (the interpreter checks the time at each node)."""
        now = monotonic()
        if now > self.deadline:
            raise self.over_depth_or_time()
        if now > self.yield_at:
            self.pause(now)

    def pause(self, now: float) -> None:
        """A long evaluation lets other threads take the GIL now rather than after Python's 5 ms
        switch interval: the event loop and the SQLite driver's thread hand off on every query,
        and each hand-off would otherwise wait that long behind a runaway expression."""
        time.sleep(0)
        self.yield_at = now + YIELD_EVERY

    def check_items(self, n: int) -> None:
        """A sequence of `n` items is about to be built."""
        if n > self.max_items:
            raise self.over_items(n)

    def check_chars(self, n: int) -> None:
        """A string of `n` characters is about to be built."""
        if n > self.max_string:
            raise self.over_string(n)

    def over_depth_or_time(self) -> BudgetTripped:
        if self.depth > self.max_depth:
            return self.trip(
                "depth", f"expression recursed deeper than its budget of {self.max_depth} levels"
            )
        if self.cap is None:
            limit = f"its time budget of {_seconds(self.budget.timeout)}"
        else:
            limit = f"the time budget of {self.cap[2]} ({_seconds(self.cap[1])})"
        return self.trip("time", f"expression ran longer than {limit}")

    def over_items(self, n: int) -> BudgetTripped:
        if n > self.max_items:
            return self.trip(
                "items", f"expression built a sequence of {n:,} items; its budget is {self.max_items:,}"
            )
        total = self.max_items * TOTAL_FACTOR
        return self.trip("items", f"expression built more than {total:,} sequence items in all")

    def over_string(self, n: int) -> BudgetTripped:
        if n > self.max_string:
            return self.trip(
                "string", f"expression built a string of {n:,} characters; its budget is {self.max_string:,}"
            )
        total = self.max_string * TOTAL_FACTOR
        return self.trip("string", f"expression built more than {total:,} characters in all")
