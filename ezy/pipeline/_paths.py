"""Field paths of the normalize section (`updated_at`, `variants[*].price`, `a.b[0]`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PathStep = str | int  # "*" walks every item of an array
_STEP_RE = re.compile(r"([^.\[\]]+)|\[(\*|-?\d+)\]")


def parse_field_path(path: str) -> tuple[PathStep, ...]:
    steps: list[PathStep] = []
    for name, index in _STEP_RE.findall(path):
        steps.append(name if name else ("*" if index == "*" else int(index)))
    return tuple(steps)


def update_at(value: Any, steps: tuple[PathStep, ...], fn: Callable[[Any], Any]) -> None:
    """Replace, in place, every value `steps` reaches with `fn(value)`; absent parts are skipped."""
    *head, last = steps
    containers = [value]
    for step in head:
        containers = [c for parent in containers for c in _children(parent, step)]
    for parent in containers:
        if isinstance(last, str) and last != "*":
            if isinstance(parent, dict) and last in parent:
                parent[last] = fn(parent[last])
        elif isinstance(parent, list):
            indexes = range(len(parent)) if last == "*" else [last]
            for i in indexes:
                if -len(parent) <= int(i) < len(parent):
                    parent[int(i)] = fn(parent[int(i)])


def _children(parent: Any, step: PathStep) -> list[Any]:
    if step == "*":
        return list(parent) if isinstance(parent, list) else []
    if isinstance(step, int):
        if isinstance(parent, list) and -len(parent) <= step < len(parent):
            return [parent[step]]
        return []
    if isinstance(parent, dict) and step in parent:
        return [parent[step]]
    return []
