"""The general backend: the jsonata-python interpreter, parsed once and evaluated per record."""

from __future__ import annotations

import math
from typing import Any

import jsonata
from jsonata.jexception import JException

from ezy.expressions._base import CompiledKind, ExpressionError, ExpressionSyntaxError


class JsonataExpression:
    compiled: CompiledKind = "jsonata"

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self._expr = jsonata.Jsonata(source)
        except JException as exc:
            raise ExpressionSyntaxError(_message(exc), exc.location) from None
        except (RecursionError, ValueError) as exc:
            raise ExpressionSyntaxError(str(exc), 0) from None
        except (KeyError, IndexError, TypeError, AttributeError) as exc:  # the parser leaks them: "a ~ b"
            raise ExpressionSyntaxError(f"cannot parse the expression ({_describe(exc)})", 0) from None
        # Our input always comes from a JSON parser or from our own stages, so the
        # interpreter's per-call walk of the whole record (~90 % of its time) is wasted.
        self._expr.set_validate_input(False)

    def evaluate(self, record: Any) -> Any:
        # Higher-order functions and $now() read the thread's "current" expression, which
        # the library sets at construction only: point it at this one before each call.
        jsonata.Jsonata.CURRENT.jsonata = self._expr
        try:
            value = self._expr.evaluate(record)
        except JException as exc:
            raise ExpressionError(_message(exc)) from None
        except RecursionError:
            raise ExpressionError("record too deeply nested for this expression") from None
        except Exception as exc:  # the library leaks ValueError, ZeroDivisionError, TypeError ...
            raise ExpressionError(_describe(exc)) from None
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
