"""Sample pages made ahead in a process of their own, so a long read costs the run's process
(and its interpreter lock) only the unpacking of each page.

The child is a fresh interpreter (`python -I -c`, no fork of the running process or its event
loop) that imports `sample_data` alone and makes the pages of one read in order. It makes a page
only against a credit, one byte on its stdin: the parent grants `AHEAD` at the start and one more
per page it takes, so at most `AHEAD` pages wait beyond the one in use, however slow the run.
Pages come back on its stdout in chunks of `CHUNK` records (each one `marshal` blob behind a
header), so the parent unpacks a page a little at a time and its event loop keeps turning.

The child stops at the end of its pages, when its stdin closes (the parent is done, or gone) or
when its stdout does; the parent kills and reaps it however a read ends (finished, closed early,
cancelled, failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import marshal
import os
import signal
import struct
import sys
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

AHEAD = 2  # pages the child may make beyond the one the parent is using
CHUNK = 1000  # records per blob: about 3 ms of unpacking on the parent's event loop
_HEADER = struct.Struct("<Q?")  # blob size, whether the blob ends its page
_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the `ezy` package
# -I: no environment variables, user site or current directory decide what the child imports.
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from ezy.connectors._sample_process import serve; serve()"
)
# Enough for the pages granted to sit unpacked in the parent while its stages are busy.
_STREAM_LIMIT = 16 * 1024 * 1024


class GeneratorProcessError(Exception):
    """The generator process ended before it had sent the pages asked of it."""


def page_starts(start: int, stop: int, batch_size: int) -> range:
    return range(start, stop, batch_size)


class GeneratorProcess:
    """One read's child process. `start` it, iterate `pages()`, and always `stop()` it."""

    def __init__(self, proc: asyncio.subprocess.Process, pages: int) -> None:
        self._proc, self._pages = proc, pages

    @classmethod
    async def start(
        cls, resource: str, seed: int, start: int, stop: int, batch_size: int
    ) -> GeneratorProcess:
        """Raises OSError when no process can be started."""
        spec = {"resource": resource, "seed": seed, "start": start, "stop": stop, "batch": batch_size}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            "-c",
            _BOOT,
            _ROOT,
            json.dumps(spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=_STREAM_LIMIT,
        )
        return cls(proc, len(page_starts(start, stop, batch_size)))

    @property
    def pid(self) -> int:
        return self._proc.pid

    async def pages(self) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The records of each page in order; GeneratorProcessError if the child fails."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        granted = min(AHEAD, self._pages)
        stdin.write(b"\x01" * granted)
        for _ in range(self._pages):
            if granted < self._pages:  # the next page to come, made while this one is used
                stdin.write(b"\x01")
                granted += 1
            try:
                records = await _read_page(stdout)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise GeneratorProcessError(await self._failure()) from exc
            yield records

    async def stop(self) -> None:
        """Ends the child (at once, if it is still making pages) and reaps it."""
        proc = self._proc
        if proc.stdin is not None:
            proc.stdin.close()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await proc.wait()

    async def _failure(self) -> str:
        await self.stop()
        assert self._proc.stderr is not None
        lines = (await self._proc.stderr.read()).decode(errors="replace").strip().splitlines()
        code = self._proc.returncode
        return f"the sample generator process ended ({code}): {lines[-1] if lines else 'no output'}"


async def _read_page(stream: asyncio.StreamReader) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while True:
        size, last = _HEADER.unpack(await stream.readexactly(_HEADER.size))
        records.extend(marshal.loads(await stream.readexactly(size)))
        if last:
            return records


def serve() -> None:
    """The child's main: the pages of the read described in argv, one per credit on stdin."""
    from ezy.connectors.sample_data import generate

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the parent's to handle
    spec = json.loads(sys.argv[2])
    resource, seed, stop, batch = spec["resource"], spec["seed"], spec["stop"], spec["batch"]
    credits, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        for first in page_starts(spec["start"], stop, batch):
            if not credits.read(1):
                break  # the parent wants no more
            end = min(first + batch, stop)
            for low in range(first, end, CHUNK):
                high = min(low + CHUNK, end)
                blob = marshal.dumps(generate(resource, seed, low, high))
                out.write(_HEADER.pack(len(blob), high == end))
                out.write(blob)
                out.flush()
    except BrokenPipeError:
        pass  # the parent stopped reading
    # No interpreter teardown: its flush of a closed stdout would only complain.
    os._exit(0)
