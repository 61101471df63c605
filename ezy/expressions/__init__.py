"""Mapping expressions: compile once, evaluate fast.

    compile_expression(source) -> CompiledExpression     raises ExpressionSyntaxError
    CompiledExpression.evaluate(record) -> Any           raises ExpressionError

Plain paths compile to Python getters; everything else goes to the JSONata interpreter.
"""

from ezy.expressions._base import (
    CompiledExpression,
    CompiledKind,
    ExpressionError,
    ExpressionSyntaxError,
)
from ezy.expressions._compile import compile_expression

__all__ = [
    "CompiledExpression",
    "CompiledKind",
    "ExpressionError",
    "ExpressionSyntaxError",
    "compile_expression",
]
