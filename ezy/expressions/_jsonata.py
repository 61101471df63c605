"""The general backend: the jsonata-python interpreter, parsed once and evaluated per record,
within the evaluation budget (`_budget.py`).

The interpreter calls our meter around every node (time, depth, the size of each value built).
A few steps build a large value in one go, between two nodes: a range `[a..b]`, `$pad` to a
width, `$join` with a separator and `$replace` with a replacement; their sizes are checked before
they allocate. `$distinct` is quadratic without a node in its loop, so it watches the clock itself.
Regex literals run on RE2 (`_regex.py`).
"""

from __future__ import annotations

import math
from time import monotonic
from typing import Any

import jsonata
from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.utils import Utils

from ezy.expressions._base import CompiledKind, ExpressionError, ExpressionSyntaxError
from ezy.expressions._budget import BudgetTripped, Meter
from ezy.expressions._regex import re2_engine

_eval = jsonata.Jsonata._eval


class _Interpreter(jsonata.Jsonata):
    """The interpreter metered around every node, its range operator bounded before it allocates."""

    meter: Meter

    def _eval(self, expr: Any, input: Any, environment: Any) -> Any:
        # What the library's entry/exit callbacks would do, inlined: this runs for every node.
        meter = self.meter
        meter.depth += 1
        now = monotonic()
        if meter.depth > meter.max_depth or now > meter.deadline:
            raise meter.over_depth_or_time()
        if now > meter.yield_at:
            meter.pause(now)
        result = _eval(self, expr, input, environment)
        meter.depth -= 1
        if type(result) is str:
            n = len(result)
            meter.chars_left -= n
            if n > meter.max_string or meter.chars_left < 0:
                raise meter.over_string(n)
        elif isinstance(result, list):
            n = len(result)
            meter.items_left -= n
            if n > meter.max_items or meter.items_left < 0:
                _too_many(meter, result, n)
        return result

    def evaluate_range_expression(self, lhs: Any, rhs: Any) -> Any:
        if type(lhs) is int and type(rhs) is int and rhs >= lhs:
            self.meter.check_items(rhs - lhs + 1)
        return super().evaluate_range_expression(lhs, rhs)


def _too_many(meter: Meter, result: list[Any], n: int) -> None:
    if type(result) is Utils.RangeList:  # its len() counts one more item than it holds
        meter.items_left += 1
        if n - 1 <= meter.max_items and meter.items_left >= 0:
            return
        n -= 1
    raise meter.over_items(n)


def _meter() -> Meter:
    # The evaluating instance: `evaluate` points the thread's "current" expression at it.
    meter: Meter = jsonata.Jsonata.CURRENT.jsonata.meter
    return meter


class _BoundedFunctions(Functions):
    """The built-ins whose result can be much larger than their arguments, checked first.

    Same parameters as the originals: the interpreter counts them to fill in missing arguments.
    """

    @staticmethod
    def pad(string: Any, width: Any, char: Any) -> Any:
        if isinstance(string, str) and isinstance(width, int | float) and math.isfinite(width):
            _meter().check_chars(abs(int(width)))
        return Functions.pad(string, width, char)

    @staticmethod
    def join(strs: Any, separator: Any) -> Any:
        if isinstance(strs, list) and isinstance(separator, str) and separator and len(strs) > 1:
            total = sum(len(s) for s in strs if isinstance(s, str))
            _meter().check_chars(total + len(separator) * (len(strs) - 1))
        return Functions.join(strs, separator)

    @staticmethod
    def replace(string: Any, pattern: Any, replacement: Any, limit: Any) -> Any:
        if isinstance(string, str) and isinstance(replacement, str) and replacement:
            _check_replace(string, pattern, replacement, limit)
        return Functions.replace(string, pattern, replacement, limit)

    @staticmethod
    def distinct(arr: Any) -> Any:
        # The library's loop, quadratic (`in` on a list, kept for its equality rules) and calling
        # no node: 100,000 items would hold a thread for 40 s, so it checks the time itself.
        if not isinstance(arr, list) or len(arr) <= 64:
            return Functions.distinct(arr)
        meter = _meter()
        results: list[Any] = Utils.create_sequence() if isinstance(arr, Utils.JList) else []
        for index, item in enumerate(arr):
            if item not in results:
                results.append(item)
            if index & 63 == 0:
                meter.check_time()
        return results


def _check_replace(string: str, pattern: Any, replacement: str, limit: Any) -> None:
    # Each match becomes the replacement, whose "$n" groups are parts of that match: the output is
    # at most the input, plus the replacement per match, plus the input once per "$".
    dollars = replacement.count("$") * len(string)
    worst = len(string) + (len(string) + 1) * len(replacement) + dollars
    meter = _meter()
    if worst <= meter.budget.max_string:
        return
    if isinstance(pattern, str):
        matches = string.count(pattern) if pattern else 0
    elif Functions.is_regex(pattern):
        matches = sum(1 for _ in pattern.finditer(string))
    else:
        return
    if isinstance(limit, int | float) and limit >= 0:
        matches = min(matches, int(limit))
    meter.check_chars(len(string) + matches * len(replacement) + dollars)


_BOUNDED = {
    "pad": "<s-ns?:s>",
    "join": "<a<s>s?:s>",
    "replace": "<s-(sf)(sf)n?:s>",
    "distinct": "<x:x>",
}


class JsonataExpression:
    compiled: CompiledKind = "jsonata"

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._expr = _Interpreter(source, re2_engine)
        except JException as exc:
            raise ExpressionSyntaxError(_message(exc), exc.location) from None
        except (RecursionError, ValueError) as exc:
            raise ExpressionSyntaxError(str(exc), 0) from None
        except (KeyError, IndexError, TypeError, AttributeError) as exc:  # the parser leaks them: "a ~ b"
            raise ExpressionSyntaxError(f"cannot parse the expression ({_describe(exc)})", 0) from None
        # Our input always comes from a JSON parser or from our own stages, so the
        # interpreter's per-call walk of the whole record (~90 % of its time) is wasted.
        self._expr.set_validate_input(False)
        # One meter per expression: an expression is evaluated by one thread at a time (a run's
        # pages go one after the other; a preview compiles its own).
        self._meter = self._expr.meter = Meter()
        environment = self._expr.environment
        # `_eval` meters every node itself; "no callback" found here ends the interpreter's two
        # per-node searches for callbacks at this frame instead of the root.
        environment.set_evaluate_entry_callback(None)
        environment.set_evaluate_exit_callback(None)
        for name, signature in _BOUNDED.items():
            environment.bind(name, jsonata.Jsonata.function(name, signature, _BoundedFunctions, name))

    def evaluate(self, record: Any) -> Any:
        meter = self._meter
        # Higher-order functions and $now() read the thread's "current" expression, which
        # the library sets at construction only: point it at this one before each call.
        jsonata.Jsonata.CURRENT.jsonata = self._expr
        meter.start()
        try:
            value = self._expr.evaluate(record)
        except BudgetTripped:
            assert meter.error is not None
            raise meter.error from None
        except JException as exc:
            raise meter.error or ExpressionError(_message(exc)) from None
        except RecursionError:
            raise ExpressionError("record too deeply nested for this expression") from None
        except Exception as exc:  # the library leaks ValueError, ZeroDivisionError, TypeError ...
            raise meter.error or ExpressionError(_describe(exc)) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ExpressionError("number out of range (infinite or not a number)")
        return value


def _message(exc: JException) -> str:
    text = str(exc)
    return text or exc.error


def _describe(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, ValueError) and "could not convert string to float" in str(exc):
        return f"cannot convert to a number: {str(exc).split(': ', 1)[-1]}"
    return f"{type(exc).__name__}: {exc}"
