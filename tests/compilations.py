"""Counts expression compilations, wherever in ezy they happen.

`compile_expression` (one expression) and `compile_fields` (a mapping's fields as one function) are
wrapped in every loaded ezy module that imported them, so a path that compiles behind the back of
`compile_mapping` is counted too.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ezy import expressions


class Compilations:
    def __init__(self) -> None:
        self.expressions: Counter[str] = Counter()  # source -> times compiled
        self.fields: list[tuple[str, ...]] = []  # the field names of each `compile_fields` call

    def reset(self) -> None:
        self.expressions.clear()
        self.fields.clear()


def _counting(original: Callable[..., Any], record: Callable[[Any], None]) -> Callable[..., Any]:
    def counted(source: Any) -> Any:
        record(source)
        return original(source)

    return counted


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Compilations]:
    seen = Compilations()
    wrappers = {
        "compile_expression": _counting(
            expressions.compile_expression, lambda source: seen.expressions.update([source])
        ),
        "compile_fields": _counting(
            expressions.compile_fields, lambda fields: seen.fields.append(tuple(fields))
        ),
    }
    originals = {name: getattr(expressions, name) for name in wrappers}
    for module in [m for name, m in sys.modules.items() if name == "ezy" or name.startswith("ezy.")]:
        for name, wrapper in wrappers.items():
            if getattr(module, name, None) is originals[name]:
                monkeypatch.setattr(module, name, wrapper)
    yield seen
