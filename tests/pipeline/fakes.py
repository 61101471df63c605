"""In-memory connectors for pipeline tests: a paged source and a keyed target that can fail."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, ClassVar

from ezy.connectors.base import (
    WRITE_OK,
    ConnectionTestResult,
    Page,
    Resource,
    TransientError,
    WriteMode,
    WriteResult,
)


class MemorySource:
    """Pages of `records`; the cursor of a page is the index after it, as a string."""

    kind: ClassVar[str] = "memory"

    def __init__(self, records: list[Any], *, fail_pages: dict[int, int] | None = None) -> None:
        self.records = records
        self.fail_pages = dict(fail_pages or {})  # page start index -> times to fail before succeeding
        self.reads: list[str | None] = []

    async def test(self) -> ConnectionTestResult:
        return ConnectionTestResult(True, 0.0)

    async def list_resources(self) -> list[Resource]:
        return [Resource("items")]

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        self.reads.append(cursor)
        for start in range(int(cursor or 0), len(self.records), batch_size):
            if self.fail_pages.get(start, 0) > 0:
                self.fail_pages[start] -= 1
                raise TransientError(f"page at {start} timed out")
            stop = min(start + batch_size, len(self.records))
            yield Page(self.records[start:stop], str(stop))

    async def write(self, resource: str, records: Sequence[Mapping[str, Any]], **_: Any) -> list[WriteResult]:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class MemoryTarget:
    """Keeps the last record written per key; `reject` and `down_for` simulate a real target."""

    kind: ClassVar[str] = "memory"

    def __init__(
        self,
        *,
        reject: Callable[[Mapping[str, Any]], str | None] | None = None,
        down_for: int = 0,
        on_write: Callable[[Sequence[Mapping[str, Any]]], None] | None = None,
    ) -> None:
        self.rows: dict[Any, Mapping[str, Any]] = {}
        self.reject = reject
        self.down_for = down_for
        self.on_write = on_write
        self.calls = 0

    async def test(self) -> ConnectionTestResult:
        return ConnectionTestResult(True, 0.0)

    async def list_resources(self) -> list[Resource]:
        return []

    def read(self, resource: str, **_: Any) -> AsyncIterator[Page]:
        raise NotImplementedError

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        self.calls += 1
        if self.down_for > 0:
            self.down_for -= 1
            raise TransientError("connection refused")
        if self.on_write is not None:
            self.on_write(records)
        results = []
        for record in records:
            reason = self.reject(record) if self.reject else None
            if reason:
                results.append(WriteResult(False, "load_rejected", reason))
                continue
            self.rows[tuple(record.get(k) for k in keys) if keys else len(self.rows)] = record
            results.append(WRITE_OK)
        return results

    async def close(self) -> None:
        return None
