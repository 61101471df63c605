"""The budget comes from the settings (`EZY_EXPRESSION_*`) and applies to the whole process."""

from __future__ import annotations

import time

import pytest

from ezy.config import Settings
from ezy.expressions import Budget, ExpressionBudgetError, budget, compile_expression
from ezy.runtime import Runtime
from tests.expressions.runaways import RECURSE, budget_of


def test_defaults() -> None:
    assert Budget.from_settings(Settings.from_env({})) == Budget(
        timeout=1.0,
        max_depth=1000,
        max_items=100_000,
        max_string=1_000_000,
        preview_timeout=10.0,
        page_timeout=60.0,
    )


def test_environment_sets_every_budget() -> None:
    env = {
        "EZY_EXPRESSION_TIMEOUT": "0.25",
        "EZY_EXPRESSION_MAX_DEPTH": "50",
        "EZY_EXPRESSION_MAX_ITEMS": "1000",
        "EZY_EXPRESSION_MAX_STRING": "2000",
        "EZY_EXPRESSION_PREVIEW_TIMEOUT": "3",
        "EZY_EXPRESSION_PAGE_TIMEOUT": "20",
    }
    assert Budget.from_settings(Settings.from_env(env)) == Budget(0.25, 50, 1000, 2000, 3.0, 20.0)


def test_a_runtime_puts_its_settings_budget_in_force() -> None:
    with budget_of(budget()):
        Runtime(Settings(expression_timeout=0.05, expression_max_items=10))
        started = time.monotonic()
        with pytest.raises(ExpressionBudgetError, match="time budget"):
            compile_expression(RECURSE).evaluate({})
        assert time.monotonic() - started < 1.0
        with pytest.raises(ExpressionBudgetError, match=r"its budget is 10$"):
            compile_expression("[1..11]").evaluate({})
