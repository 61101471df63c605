"""Mapping expressions: compile once, evaluate fast, within a budget.

    compile_expression(source) -> CompiledExpression     raises ExpressionSyntaxError
    CompiledExpression.evaluate(record) -> Any           raises ExpressionError
                                                         (ExpressionBudgetError: out of budget)

Plain paths compile to Python getters; everything else goes to the JSONata interpreter. Every
evaluation has a budget of time, depth and size (`Budget`, set per process by `configure_budget`);
callers run evaluations with `run_off_loop` so a long one never blocks the event loop.
"""

from ezy.expressions._base import (
    CompiledExpression,
    CompiledKind,
    ExpressionError,
    ExpressionSyntaxError,
)
from ezy.expressions._budget import Budget, ExpressionBudgetError, scope_deadline
from ezy.expressions._budget import configure as configure_budget
from ezy.expressions._budget import current as budget
from ezy.expressions._compile import compile_expression
from ezy.expressions._offload import run_off_loop

__all__ = [
    "Budget",
    "CompiledExpression",
    "CompiledKind",
    "ExpressionBudgetError",
    "ExpressionError",
    "ExpressionSyntaxError",
    "budget",
    "compile_expression",
    "configure_budget",
    "run_off_loop",
    "scope_deadline",
]
