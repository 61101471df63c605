"""Evaluation off the event loop: a record's expressions may use their whole time budget, and the
loop (heartbeats, other runs, `/healthz`) must keep answering meanwhile.

A pool of its own, so long evaluations never wait behind (or hold up) the loop's default executor,
which also resolves host names.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# One thread per job a worker runs at once (arq's max_jobs is 10), and some for previews.
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ezy-eval")


async def run_off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` in the evaluation pool, with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_POOL, call)
