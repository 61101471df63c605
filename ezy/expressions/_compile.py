"""Choosing a backend for an expression.

Backends are tried in order; the first that accepts the source compiles it: plain paths,
then the JSONata-to-Python compiler, then the interpreter for what the compiler leaves.
"""

from __future__ import annotations

from ezy.expressions._base import CompiledExpression, ExpressionSyntaxError
from ezy.expressions._compiler_expression import CompiledJsonataExpression
from ezy.expressions._jsonata import JsonataExpression
from ezy.expressions._path import PathExpression, parse_path


def compile_expression(source: str) -> CompiledExpression:
    """Compile once per run; raises `ExpressionSyntaxError` with a message and a position."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionSyntaxError("expression is empty", 0)
    steps = parse_path(source)
    if steps is not None:
        return PathExpression(source, steps)
    interpreter = JsonataExpression(source)  # also the syntax check
    return CompiledJsonataExpression.build(interpreter) or interpreter
