"""Structured logs (structlog over the standard library): request id and run correlation id on each line.

`request_id` is the API request's (`-` outside one). `correlation_id` is the run's: bound in the
worker for the whole of a run (`run_context`, `ezy.runs.executor`), and in the API process from the
moment a request starts a run (`bind_correlation_id`, scoped to the request by the middleware), so
one run's lines in both processes can be joined on it. A line outside any run has none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def bind_correlation_id(correlation_id: object) -> None:
    """Tags the rest of the current context (an API request, a task) with a run's correlation id."""
    correlation_id_var.set(str(correlation_id))


@contextmanager
def run_context(correlation_id: object) -> Iterator[None]:
    """Tags every line logged inside (and in tasks started inside) with the run's correlation id."""
    token = correlation_id_var.set(str(correlation_id))
    try:
        yield
    finally:
        correlation_id_var.reset(token)


def _add_ids(_: object, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("request_id", request_id_var.get())
    correlation_id = correlation_id_var.get()
    if correlation_id is not None:
        event.setdefault("correlation_id", correlation_id)
    return event


def formatter(*, json: bool = False) -> logging.Formatter:
    """The formatter of every handler: the level, a UTC timestamp and the ids, then the message."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_ids,
            structlog.stdlib.ExtraAdder(),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure(level: str = "INFO", *, json: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(json=json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
