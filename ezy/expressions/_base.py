"""The interface every expression backend implements, and its two errors.

ExpressionSyntaxError   the source does not parse (raised by compile, at save time)
ExpressionError         evaluation failed for one record (raised by evaluate, at run time)
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

CompiledKind = Literal["path", "compiled", "jsonata"]
BACKENDS = (
    "`compiled` names the backend: `path` (a plain path), `compiled` (JSONata compiled to Python) "
    "or `jsonata` (the interpreter, for what the compiler leaves to it)."
)


class ExpressionSyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


class ExpressionError(RuntimeError):
    """A run-time failure of one evaluation: wrong types, division by zero, bad conversion."""


class CompiledExpression(Protocol):
    """What the stages rely on. `compiled` names the backend, so a preview can show it."""

    source: str
    compiled: CompiledKind

    def evaluate(self, record: Any) -> Any:
        """The value for `record`; JSONata's "undefined" is None. Raises `ExpressionError`."""
        ...
