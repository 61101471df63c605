"""What compiled expressions call at run time: jsonata-python's own semantics, minus its dispatch.

Values follow the interpreter's representation exactly (None is JSONata's "undefined",
`NULL` is JSON null, `JList` with `.sequence` is a sequence), and the leaf operations are
the interpreter's own functions, so the compiled form inherits its answers. What the
generated code does itself (paths, filters, constructors, the singleton rule) mirrors
`jsonata.Jsonata._eval` and its helpers line by line; the differential suite holds it there.

Anything unexpected raises, and the caller then asks the interpreter (see `_compiler`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jsonata
from jsonata.functions import Functions
from jsonata.timebox import Timebox
from jsonata.utils import Utils

JList = Utils.JList
NULL = Utils.NULL_VALUE
MISSING: Any = object()
Jsonata = jsonata.Jsonata
boolize = Jsonata.boolize
lookup = Functions.lookup
append = Functions.append
now_ms = Timebox.current_milli_time
_is_numeric = Utils.is_numeric
_is_array_of_numbers = Utils.is_array_of_numbers
# The interpreter's operators never read `self`; calling them unbound keeps one implementation.
_numeric = Jsonata.evaluate_numeric_expression
_equality = Jsonata.evaluate_equality_expression
_comparison = Jsonata.evaluate_comparison_expression
_includes = Jsonata.evaluate_includes_expression
_concat = Jsonata.evaluate_string_concat
# Integers below 10**15 print as themselves under $string (the interpreter's 15-digit rule).
PLAIN_INT = 10**15

Step = tuple[Callable[[Any], Any], tuple[Any, ...]]


class Deopt(Exception):
    """This record takes a shape the compiled code does not model: ask the interpreter."""


def seq(*items: Any) -> Any:
    out = JList(items)
    out.sequence = True
    return out


def mangle(result: Any) -> Any:
    """The tail of `_eval`: an empty sequence is undefined, a singleton is its item."""
    if type(result) is JList and result.sequence and not result.tuple_stream:
        if not result:
            return None
        if len(result) == 1:
            return result if result.keep_singleton else result[0]
    return result


def numeric(lhs: Any, rhs: Any, op: str) -> Any:
    return _numeric(None, lhs, rhs, op)


def equality(lhs: Any, rhs: Any, op: str) -> Any:
    return _equality(None, lhs, rhs, op)


def comparison(lhs: Any, rhs: Any, op: str) -> Any:
    return _comparison(None, lhs, rhs, op)


def includes(lhs: Any, rhs: Any) -> Any:
    return _includes(None, lhs, rhs)


def concat(lhs: Any, rhs: Any) -> str:
    if type(lhs) is str and type(rhs) is str:
        return lhs + rhs
    return _concat(None, lhs, rhs)


def negate(value: Any) -> Any:
    if value is None:
        return None
    if _is_numeric(value):
        return Utils.convert_number(-float(value))
    raise Deopt  # the interpreter raises D1002


def filter_index(index: int, value: Any) -> Any:
    """`evaluate_filter` with a literal number."""
    results = seq()
    if value is None:
        return results
    items = value if isinstance(value, list) else seq(value)
    if index < 0:
        index = len(items) + index
    if 0 <= index < len(items):
        item = items[index]
        if item is None:
            item = NULL
        if isinstance(item, list):
            return item
        results.append(item)
    return results


def filter_by(predicate: Callable[[Any], Any], value: Any) -> Any:
    """`evaluate_filter` with an expression, evaluated with each item as the context."""
    results = seq()
    if isinstance(value, JList) and value.tuple_stream:
        raise Deopt
    if value is None:
        return results
    items = value if isinstance(value, list) else seq(value)
    for index, item in enumerate(items):
        res = predicate(item)
        if _is_numeric(res):
            res = seq(res)
        if _is_array_of_numbers(res):
            for ires in res:
                ii = int(ires)
                if ii < 0:
                    ii = len(items) + ii
                if ii == index:
                    results.append(item)
        elif boolize(res):
            results.append(item)
    return results


def stages(value: Any, filters: tuple[Any, ...]) -> Any:
    for stage in filters:
        value = filter_index(stage, value) if type(stage) is int else filter_by(stage, value)
    return value


def path(value: Any, relative: bool, steps: Sequence[Step]) -> Any:
    """`evaluate_path` for steps without tuples, sorts or groups (the compiler refuses those)."""
    if isinstance(value, list) and relative:
        sequence = value
    else:
        sequence = seq(value)
    result = None
    last = len(steps) - 1
    for ii, (evaluate, filters) in enumerate(steps):
        result = _step(evaluate, filters, sequence, ii == last)
        if result is None or not result:
            break
        sequence = result
    return result


def _step(evaluate: Callable[[Any], Any], filters: tuple[Any, ...], inputs: Any, last: bool) -> Any:
    result = seq()
    for item in inputs:
        res = evaluate(item)
        if filters:
            res = stages(res, filters)
        if res is not None:
            result.append(res)
    if last and len(result) == 1 and isinstance(result[0], list) and not Utils.is_sequence(result[0]):
        return result[0]
    flat = seq()
    for res in result:
        if not isinstance(res, list) or (isinstance(res, JList) and res.cons):
            flat.append(res)
        else:
            flat.extend(res)
    return flat


def array(items: Sequence[tuple[bool, Any]], cons: bool) -> Any:
    """The array constructor: undefined items vanish, nested constructors stay arrays."""
    result: Any = JList()
    for nested, value in items:
        if value is not None:
            if nested:
                result.append(value)
            else:
                result = append(result, value)
    if cons:
        if not isinstance(result, JList):
            result = JList(result)
        result.cons = True
    return result


def obj(context: Any, pairs: Sequence[tuple[str, Callable[[Any], Any]]]) -> dict[str, Any]:
    """The object constructor over one context item (literal, distinct keys only)."""
    if isinstance(context, list):
        raise Deopt  # grouping over a sequence: the interpreter's job
    result = {}
    for key, evaluate in pairs:
        value = evaluate(context)
        if value is not None:
            result[key] = value
    return result


def native(name: str) -> Any:
    return Jsonata.static_frame.lookup(name)


def call(function: Any, args: list[Any], context: Any) -> Any:
    """A built-in function exactly as `apply_inner` calls it: signature, then the body."""
    return function.call(context, function.validate(args, context))


def lambda_(function: Callable[..., Any]) -> Any:
    return Jsonata.JLambda(function)


_NOW = native("now")


def now(timestamp: int, args: list[Any], context: Any) -> Any:
    picture, zone = ([*_NOW.validate(args, context), None, None])[:2]
    return _as_returned(Functions.datetime_from_millis(timestamp, picture, zone))


def _as_returned(result: Any) -> Any:
    # What `Functions._call` does to every built-in's result.
    return Utils.convert_number(result) if _is_numeric(result) else result


# Fast paths for the commonest calls: the exact argument types for which the signature
# check passes arguments through unchanged; any other type takes the general route.
_STRING = native("string")
_TRIM = native("trim")
_NUMBER = native("number")
_SPLIT = native("split")


def f_string(value: Any, context: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value
    if kind is int and -PLAIN_INT < value < PLAIN_INT:
        return str(value)
    return mangle(call(_STRING, [value], context))


def f_trim(value: Any, context: Any) -> Any:
    if type(value) is str:
        if value.isascii() and value.isprintable():
            # Only " " can be white space here, so this is the interpreter's "[ \t\n\r]+" -> " ".
            return " ".join(value.split())
        return Functions.trim(value)
    return mangle(call(_TRIM, [value], context))


def f_number(value: Any, context: Any) -> Any:
    if type(value) is str and not value.startswith(_PREFIXED):
        number = float(value)
        if number - number == 0:  # finite; NaN and infinities take the interpreter's route
            whole = int(number)
            return whole if whole == number else number
    result = mangle(call(_NUMBER, [value], context))
    if type(result) is float and result - result != 0:
        raise Deopt  # NaN: the wrapper's error, raised by the interpreter's route
    return result


_PREFIXED = ("0x", "0B", "0O")


def f_split(value: Any, separator: Any, context: Any) -> Any:
    if type(value) is str and type(separator) is str and separator:
        return value.split(separator, -1)
    return mangle(call(_SPLIT, [value, separator], context))


_COUNT = native("count")


def f_count(value: Any, context: Any) -> Any:
    if type(value) is list:
        return len(value)
    return mangle(call(_COUNT, [value], context))


def f_exists(value: Any, context: Any) -> bool:
    return value is not None  # `<x:b>` accepts every value a compiled expression can produce


FAST = {
    ("string", 1): "f_string",
    ("trim", 1): "f_trim",
    ("number", 1): "f_number",
    ("split", 2): "f_split",
    ("count", 1): "f_count",
    ("exists", 1): "f_exists",
}


def output(value: Any) -> Any:
    """The interpreter's last steps and our wrapper's: nulls converted, non-finite refused."""
    if type(value) is float and value - value == 0:
        return value
    if value is NULL:
        return None
    if isinstance(value, list | dict):
        return Utils.convert_nulls(value)
    if type(value) is float and not math.isfinite(value):
        raise Deopt  # the wrapper's error, raised by the interpreter's route
    if callable(value) or isinstance(value, Jsonata.JFunction):
        raise Deopt
    return value


# Types returned as they are. A plain `list` (not a JList) only ever comes from the record or
# from $split, so it holds no NULL marker to convert.
PLAIN = frozenset({str, int, bool, type(None), list})
