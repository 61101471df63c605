"""Mapping expressions: compile once, evaluate fast, within a budget.

    compile_expression(source) -> CompiledExpression     raises ExpressionSyntaxError
    compile_fields({name: source}) -> function | None    a whole mapping in one call (see there)
    CompiledExpression.evaluate(record) -> Any           raises ExpressionError
                                                         (ExpressionBudgetError: out of budget)

Plain paths compile to Python getters, most JSONata to Python (`_compiler`), the rest goes to the
JSONata interpreter. Every evaluation has a budget of time, depth and size (`Budget`, set per process
by `configure_budget`); compiled code covers only forms that cannot run away, so the budget matters to
the interpreter. Callers run evaluations with `run_off_loop` so a long one never blocks the event loop.
"""

from ezy.expressions._base import (
    BACKENDS,
    CompiledExpression,
    CompiledKind,
    ExpressionError,
    ExpressionSyntaxError,
)
from ezy.expressions._budget import Budget, ExpressionBudgetError, scope_deadline
from ezy.expressions._budget import configure as configure_budget
from ezy.expressions._budget import current as budget
from ezy.expressions._compile import compile_expression
from ezy.expressions._compiler_expression import compile_fields
from ezy.expressions._offload import run_off_loop

__all__ = [
    "BACKENDS",
    "Budget",
    "CompiledExpression",
    "CompiledKind",
    "ExpressionBudgetError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "budget",
    "compile_expression",
    "compile_fields",
    "configure_budget",
    "run_off_loop",
    "scope_deadline",
]
