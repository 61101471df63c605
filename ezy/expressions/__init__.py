"""Mapping expressions: compile once, evaluate fast.

    compile_expression(source) -> CompiledExpression     raises ExpressionSyntaxError
    compile_fields({name: source}) -> function | None    a whole mapping in one call (see there)
    CompiledExpression.evaluate(record) -> Any           raises ExpressionError

Plain paths compile to Python getters, most JSONata to Python (`_compiler`), the rest goes to
the JSONata interpreter.
"""

from ezy.expressions._base import (
    BACKENDS,
    CompiledExpression,
    CompiledKind,
    ExpressionError,
    ExpressionSyntaxError,
)
from ezy.expressions._compile import compile_expression
from ezy.expressions._compiler_expression import compile_fields

__all__ = [
    "BACKENDS",
    "CompiledExpression",
    "CompiledKind",
    "ExpressionError",
    "ExpressionSyntaxError",
    "compile_expression",
    "compile_fields",
]
