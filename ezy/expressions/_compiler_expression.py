"""The `compiled` backend: generated Python first, the interpreter for the records it hands over.

The generated function raises on any record it does not model (a shape, a type error, a
non-finite result); that record is then evaluated by the wrapped interpreter, whose answer
or `ExpressionError` is the one every backend gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ezy.expressions._base import CompiledKind
from ezy.expressions._compiler import Unsupported, generate_expression, parse
from ezy.expressions._jsonata import JsonataExpression


class CompiledJsonataExpression:
    compiled: CompiledKind = "compiled"

    def __init__(self, interpreter: JsonataExpression, function: Callable[[Any], Any]) -> None:
        self.source = interpreter.source
        self.interpreter = interpreter
        self.function = function

    @classmethod
    def build(cls, interpreter: JsonataExpression) -> CompiledJsonataExpression | None:
        """The compiled form, or None when the expression is left to the interpreter."""
        try:
            # A tree of our own: the interpreter annotates its tree while it evaluates.
            return cls(interpreter, generate_expression(parse(interpreter.source)))
        except Unsupported:
            return None

    def evaluate(self, record: Any) -> Any:
        try:
            return self.function(record)
        except Exception:  # any failure: the interpreter gives the answer or the error
            return self.interpreter.evaluate(record)
