"""An instance's run options: the knobs the executor reads, checked when the instance is written.

Unchecked, `{"maxRetries": "x"}` or `{"batchRetries": 1e9}` was accepted and then broke or stalled the
run in the worker. Known options are checked for type and bounds (every bad one reported at its
pointer); other keys are kept as given and ignored by runs. A value stored before this check that is
out of bounds reads as the default, so an old row cannot break a run either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ezy.errors import FieldError, ValidationFailed


@dataclass(frozen=True)
class Option:
    integer: bool
    low: float
    high: float
    default: float


OPTIONS: dict[str, Option] = {
    "maxRetries": Option(True, 0, 20, 3),  # whole-run retries after a transient failure
    "retryBackoffSeconds": Option(False, 0, 600, 5.0),  # first whole-run retry delay, doubling
    "batchRetries": Option(True, 1, 20, 5),  # tries of one page or batch, the first included
    "batchRetryDelaySeconds": Option(False, 0, 60, 0.5),  # first page/batch retry delay, doubling
}


def _problem(name: str, value: Any) -> str | None:
    spec = OPTIONS[name]
    kinds = (int,) if spec.integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        return f"{name} must be {'an integer' if spec.integer else 'a number'}"
    if not spec.low <= value <= spec.high:
        return f"{name} must be between {spec.low:g} and {spec.high:g}"
    return None


def check_options(options: dict[str, Any]) -> dict[str, Any]:
    """`options` if every known option is valid; else 422 with one error per bad option."""
    errors = [
        FieldError(f"/options/{name}", problem)
        for name in OPTIONS
        if name in options and (problem := _problem(name, options[name])) is not None
    ]
    if errors:
        raise ValidationFailed("the instance's options are invalid", errors=errors)
    return options


def option(options: dict[str, Any] | None, name: str) -> float:
    """The value a run uses: the stored one when valid, else the default."""
    value = (options or {}).get(name)
    if value is None or _problem(name, value) is not None:
        return OPTIONS[name].default
    return float(value)
