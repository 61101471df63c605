from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ezy.expressions import ExpressionError, ExpressionSyntaxError, compile_expression
from ezy.expressions._jsonata import JsonataExpression

PRODUCT = {
    "id": 7,
    "title": " Mug ",
    "variants": [{"sku": "A", "price": "9.50"}, {"sku": "B", "price": "12"}],
}


@pytest.mark.parametrize(
    ("source", "compiled", "value"),
    [
        pytest.param("id", "path", 7, id="name"),
        pytest.param("variants[0].sku", "path", "A", id="indexed"),
        pytest.param("variants[-1].sku", "path", "B", id="negative-index"),
        pytest.param("variants[5].sku", "path", None, id="index-past-end"),
        pytest.param("missing.deeper", "path", None, id="missing-is-undefined"),
        pytest.param("variants.sku", "path", ["A", "B"], id="name-over-array-follows-jsonata"),
        pytest.param("$string(id)", "compiled", "7", id="function"),
        pytest.param("$number(variants[0].price) * 2", "compiled", 19.0, id="arithmetic"),
        pytest.param("$trim(title)", "compiled", "Mug", id="trim"),
        pytest.param("nothing", "path", None, id="undefined-is-none"),
        pytest.param("null", "compiled", None, id="literal-is-not-a-path"),
        pytest.param("[1..3]", "jsonata", [1, 2, 3], id="range-stays-interpreted"),
    ],
)
def test_expression_values_and_backend(source: str, compiled: str, value: Any) -> None:
    expression = compile_expression(source)
    assert expression.compiled == compiled
    assert expression.evaluate(PRODUCT) == value


@pytest.mark.parametrize(
    ("source", "position"),
    [pytest.param("price +", 7, id="dangling-operator"), pytest.param("$number(a", 9, id="unclosed-call")],
)
def test_syntax_error_has_message_and_position(source: str, position: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as raised:
        compile_expression(source)
    assert raised.value.position == position
    assert raised.value.message


@pytest.mark.parametrize(
    ("source", "record", "message"),
    [
        pytest.param("a / b", {"a": 1, "b": 0}, "division by zero", id="division-by-zero"),
        pytest.param('$number("abc")', {}, "cannot convert to a number", id="number-of-text"),
        pytest.param("a + 1", {"a": "x"}, "must evaluate to a number", id="wrong-type"),
    ],
)
def test_runtime_failures_raise_expression_error(source: str, record: dict[str, Any], message: str) -> None:
    expression = compile_expression(source)
    with pytest.raises(ExpressionError, match=message):
        expression.evaluate(record)


names = st.sampled_from(["a", "b", "c"])
values = st.recursive(
    st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=2), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=12,
)
paths = st.lists(st.one_of(names, st.integers(-2, 2)), min_size=1, max_size=4).filter(
    lambda steps: isinstance(steps[0], str)
)


def render(steps: list[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


@settings(max_examples=100, deadline=None)
@given(record=st.dictionaries(names, values, max_size=3), steps=paths)
def test_path_getter_agrees_with_the_interpreter(record: dict[str, Any], steps: list[str | int]) -> None:
    source = render(steps)
    fast = compile_expression(source)
    assert fast.compiled == "path"
    assert fast.evaluate(record) == JsonataExpression(source).evaluate(record)
