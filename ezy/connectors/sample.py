"""`sample`: deterministic generated store data as a source, a counting sink as a target.

The data itself is `sample_data`'s. A read of `PROCESS_MIN_RECORDS` or more has its pages made
ahead in a process of its own (`_sample_process`): the run's process then spends on extract only
the unpacking of each page, and the pages are the same records, in the same order, as the ones
made here. A shorter read makes its pages in a worker thread, where starting a process would
cost more than it saves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field

from ezy.connectors import sample_data
from ezy.connectors._sample_process import GeneratorProcess, GeneratorProcessError, page_starts
from ezy.connectors.base import (
    WRITE_OK,
    ConnectionTestResult,
    ConnectorError,
    ConnectorKind,
    KindBase,
    KindSettings,
    Page,
    Resource,
    TransientError,
    WriteMode,
    WriteResult,
)
from ezy.connectors.sample_data import BASE_TIME, GENERATORS, STEP_SECONDS, timestamp

# Records a read must span to be made in a process: about 0.15 s of generation, several times
# what starting the process costs.
PROCESS_MIN_RECORDS = 10_000


def _index_after(cursor: str) -> int:
    """The first record index strictly after an `updated_at` cursor."""
    try:
        moment = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
    except ValueError:
        raise ConnectorError(f"not an updated_at cursor: {cursor!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - BASE_TIME).total_seconds()
    return 0 if seconds < 0 else int(seconds // STEP_SECONDS) + 1


class SampleConfig(KindSettings):
    """Deterministic generated store data; a counting sink as a target."""

    count: int = Field(1000, ge=0, le=100_000_000, description="Records per resource.")
    seed: int = Field(0, ge=-(2**63), le=2**63 - 1, description="The same seed gives the same records.")


class SampleConnector(KindBase):
    kind: ClassVar[ConnectorKind] = ConnectorKind.SAMPLE
    description: ClassVar[str] = "Deterministic generated store data; a counting sink as a target."
    config_model: ClassVar[type[KindSettings]] = SampleConfig

    def __init__(
        self, config: Mapping[str, Any] | None = None, secrets: Mapping[str, Any] | None = None
    ) -> None:
        config = config or {}
        self.count = int(config.get("count", 1000))
        self.seed = int(config.get("seed", 0))
        self.written = 0  # as a sink: records accepted so far
        self.batches = 0

    async def test(self) -> ConnectionTestResult:
        return ConnectionTestResult(ok=True, latency_ms=0.0, detail="sample data needs no connection")

    async def list_resources(self) -> list[Resource]:
        return [Resource(name, f"generated {name}") for name in GENERATORS]

    def generate(self, resource: str, start: int, stop: int) -> list[dict[str, Any]]:
        self._check_resource(resource)
        return sample_data.generate(resource, self.seed, start, min(stop, self.count))

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        if cursor_field not in (None, "updated_at"):
            raise ConnectorError("sample data is incremental on updated_at only")
        self._check_resource(resource)
        start = _index_after(cursor) if cursor and cursor_field else 0
        wanted = dict(params or {})
        pages = self._pages(resource, start, batch_size)
        async with contextlib.aclosing(pages):
            async for first, records in pages:
                if wanted:
                    records = [r for r in records if all(r.get(k) == v for k, v in wanted.items())]
                last = min(first + batch_size, self.count) - 1
                yield Page(records, timestamp(last) if cursor_field else None)

    async def _pages(
        self, resource: str, start: int, batch_size: int
    ) -> AsyncGenerator[tuple[int, list[dict[str, Any]]], None]:
        """(first index, records) of each page from `start` on."""
        firsts = page_starts(start, self.count, batch_size)
        process = None
        if self.count - start >= PROCESS_MIN_RECORDS:
            with contextlib.suppress(OSError, NotImplementedError):  # else made here, as below
                process = await GeneratorProcess.start(resource, self.seed, start, self.count, batch_size)
        if process is not None:
            try:
                n = 0
                async for records in process.pages():
                    yield firsts[n], records
                    n += 1
            except GeneratorProcessError as exc:
                raise TransientError(str(exc)) from exc  # a retry reads on from the last cursor
            finally:
                await process.stop()
            return
        for first in firsts:
            # In a worker thread: a run reading ahead gets the next page made while it waits
            # on its target (the GIL is free then), and the event loop stays responsive.
            yield first, await asyncio.to_thread(self.generate, resource, first, first + batch_size)

    def _check_resource(self, resource: str) -> None:
        if resource not in GENERATORS:
            raise ConnectorError(f"unknown sample resource {resource!r}; one of {', '.join(GENERATORS)}")

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        self.written += len(records)
        self.batches += 1
        return [WRITE_OK] * len(records)

    async def close(self) -> None:
        return None
