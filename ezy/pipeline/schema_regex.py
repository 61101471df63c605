"""JSON Schema patterns searched with RE2, in linear time.

jsonschema searches `pattern`, `patternProperties` (and the property names `additionalProperties`
and `unevaluatedProperties` set aside through them) with Python's backtracking `re`: a target
schema's `"pattern": "(a+)+$"` against fifty `a`s and a `!` ran for hours, pinning a worker's thread
(or a preview's) at full CPU. It looks every one of them up as `re.search` in two of its modules;
`use_re2()` points those at RE2, the engine mapping expressions use. A test holds that the patch
takes: a catastrophic pattern answers at once.

RE2 has no backreferences or lookaround: a schema using them is refused when the mapping is saved
(`unsupported`), and a record checked against one (a document saved before) fails validation with
that reason rather than running unbounded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import jsonschema._keywords
import jsonschema._utils
import re2

# Schema members that hold data, not subschemas: a "pattern" inside them is not a regex.
_DATA_MEMBERS = frozenset({"const", "enum", "default", "examples"})


class UnsupportedPattern(ValueError):
    pass


@functools.lru_cache(maxsize=1024)  # a run checks every record against the same few patterns
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsupportedPattern(
            f"pattern {pattern!r} is not supported: {reason} (RE2 syntax: no backreferences or lookaround)"
        ) from None


def search(pattern: str, string: str) -> Any:
    return _compiled(pattern).search(string)


class _Re2:
    """What jsonschema's keyword modules use of `re`."""

    search = staticmethod(search)


def use_re2() -> None:
    jsonschema._keywords.re = _Re2
    jsonschema._utils.re = _Re2


def unsupported(schema: Any, at: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, message) for each pattern of `schema` RE2 cannot run."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from unsupported(item, (*at, i))
        return
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key in _DATA_MEMBERS:
            continue
        patterns = [value] if key == "pattern" and isinstance(value, str) else []
        if key == "patternProperties" and isinstance(value, dict):
            patterns = list(value)
        for pattern in patterns:
            try:
                _compiled(pattern)
            except UnsupportedPattern as exc:
                yield ((*at, key) if key == "pattern" else (*at, key, pattern)), str(exc)
        yield from unsupported(value, (*at, key))
