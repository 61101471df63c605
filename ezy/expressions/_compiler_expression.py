"""The `compiled` backend: generated Python first, the interpreter for the records it hands over.

The generated function raises on any record it does not model (a shape, a type error, a
non-finite result); that record is then evaluated by the wrapped interpreter, whose answer
or `ExpressionError` is the one every backend gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonata.jexception import JException

from ezy.expressions._base import CompiledKind
from ezy.expressions._compiler import Unsupported, generate_expression, generate_function, parse
from ezy.expressions._jsonata import JsonataExpression


class CompiledJsonataExpression:
    compiled: CompiledKind = "compiled"
    evaluate: Callable[[Any], Any]

    def __init__(self, interpreter: JsonataExpression, function: Callable[[Any], Any]) -> None:
        self.source = interpreter.source
        self.interpreter = interpreter
        self.function = function
        self.evaluate = _with_fallback(function, interpreter.evaluate)

    @classmethod
    def build(cls, interpreter: JsonataExpression) -> CompiledJsonataExpression | None:
        """The compiled form, or None when the expression is left to the interpreter."""
        try:
            # A tree of our own: the interpreter annotates its tree while it evaluates.
            return cls(interpreter, generate_expression(parse(interpreter.source)))
        except Unsupported:
            return None


def _with_fallback(function: Callable[[Any], Any], interpret: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # A closure set on the instance: one call per evaluation, no method in between.
    def evaluate(record: Any) -> Any:
        try:
            return function(record)
        except Exception:  # any failure: the interpreter gives the answer or the error
            return interpret(record)

    return evaluate


def compile_fields(fields: Mapping[str, str]) -> Callable[[Any], dict[str, Any] | None] | None:
    """One function computing a whole `fields` object (undefined -> None), or None when some
    field is left to the interpreter or does not parse.

    The function returns None for a record it does not model: evaluate that record field by
    field with `compile_expression`, which gives the per-field answers and errors.
    """
    try:
        return generate_function([(name, parse(source)) for name, source in fields.items()])
    except (Unsupported, JException, RecursionError, ValueError):
        return None
