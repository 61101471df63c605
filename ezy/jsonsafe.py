"""The one JSON parser for what clients send: REST bodies, webhook deliveries and GraphQL requests.

RFC 8259 JSON, narrowed to what the product can store in PostgreSQL and send back (I-JSON, RFC 7493):

  InvalidRequest    (400)  not UTF-8 (encoded surrogates included), not JSON, `NaN` / `Infinity`
                           literals, or nested deeper than MAX_DEPTH arrays and objects
  ValidationFailed  (422)  well-formed JSON with a value nothing can hold, at its JSON Pointer:
                           a string or member name containing NUL (`\\u0000`: PostgreSQL text and
                           jsonb refuse it) or an unpaired surrogate (`\\ud800`: it has no UTF-8
                           form), or a number beyond the range of a double (`1e400`)

It is on the webhook hot path, so the common body is parsed by `json.loads` alone: the tree is
looked at only when the text could hide a problem (a `\\u0000` or lone surrogate escape: every
value is checked; more brackets than MAX_DEPTH: the containers' depth is). `python -m
bench.jsonparse` measures it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ezy.errors import FieldError, InvalidRequest, ValidationFailed

MAX_DEPTH = 64
# The only ways to spell NUL or an unpaired surrogate in UTF-8 JSON text are these escapes: `\u0000`,
# a high surrogate not followed by a low one, a low one not preceded by a high one. (A backslash
# escaped before `u` matches too; that only costs the walk that finds nothing.)
_SUSPECT_ESCAPE = re.compile(
    r"\\u(?:0000"
    r"|[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|[dD][c-fC-F](?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F]))"
)


class _NonFinite(Exception):
    """Raised from inside `json.loads` by a number that overflows a double."""


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NonFinite
    return value


def _refuse_constant(name: str) -> Any:
    raise InvalidRequest(f"malformed JSON: {name} is not a JSON value")


def loads(raw: bytes | str) -> Any:
    """The parsed document, or the EzyError (400 or 422) that describes what is wrong with it."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"malformed JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except _NonFinite:
        value = json.loads(text)  # again, keeping the infinity, so that the walk can point at it
        _walk(value)
        raise AssertionError("unreachable: the walk reports the infinite number") from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise InvalidRequest(f"malformed JSON: {exc}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep_tree(value):
        raise _too_deep()
    if _SUSPECT_ESCAPE.search(text):
        _walk(value)
    return value


def _too_deep_tree(value: Any) -> bool:
    """Level by level, containers only: about a third of the cost of `json.loads` itself."""
    level = [value]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return True


def _too_deep() -> InvalidRequest:
    return InvalidRequest(f"malformed JSON: nested deeper than {MAX_DEPTH} levels")


def _walk(root: Any) -> None:
    """Depth-first, iteratively (a deep document must not exhaust the stack here either)."""
    # Each entry: a value, its depth, and its path as a linked list (parent path, key) for pointers.
    stack: list[tuple[Any, int, Any]] = [(root, 0, None)]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_string(value, path)
        elif isinstance(value, float):
            if not math.isfinite(value):
                _refuse(path, "number out of range (beyond a 64-bit float)")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str):
                    _check_string(key, (path, key), member_name=True)
                stack.append((child, depth + 1, (path, key)))


def _check_string(value: str, path: Any, *, member_name: bool = False) -> None:
    what = "member name" if member_name else "string"
    if "\x00" in value:
        _refuse(path, f"{what} contains a NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _refuse(path, f"{what} contains an unpaired surrogate")


def _refuse(path: Any, message: str) -> None:
    pointer = pointer_of(path)
    where = pointer or "the document root"
    raise ValidationFailed(f"{message} at {where}", errors=[FieldError(pointer, message)])


def pointer_of(path: Any) -> str:
    """RFC 6901 (`~` and `/` escaped); an unpaired surrogate in a name shows as `?` so it can be sent."""
    parts: list[str] = []
    while path is not None:
        path, key = path
        name = str(key).encode("utf-8", "replace").decode("utf-8")
        parts.append(name.replace("~", "~0").replace("/", "~1"))
    return "".join(f"/{part}" for part in reversed(parts))
