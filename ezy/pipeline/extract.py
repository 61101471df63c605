"""Extract: pages from the source connector, or the pushed / replayed records in batches.

A page that fails with a transient error is read again, from the cursor of the last page that
came through, with backoff (tenacity, `RetryPolicy`); after the policy's attempts the run fails.

`prefetched` reads one page ahead, so the source works on the next page while the run waits
on the load of the current one. Reading ahead moves no checkpoint: the runner records a page's
cursor only once the batch that carried it is loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import Any

from ezy.connectors.base import Connector, ConnectorError, Page, TransientError
from ezy.pipeline.mapping import ExtractSection
from ezy.pipeline.records import RunFailed
from ezy.pipeline.retry import RetryPolicy


async def read_pages(
    source: Connector, section: ExtractSection, cursor: str | None, policy: RetryPolicy
) -> AsyncGenerator[Page, None]:
    if not section.resource:
        raise RunFailed("the mapping names no extract.resource to read")
    reader = _Reader(source, section, cursor)
    try:
        while (page := await reader.next_page(policy)) is not None:
            yield page
    finally:
        await reader.close()


class _Reader:
    """The source's pages, read again from the last page's cursor after a transient error."""

    def __init__(self, source: Connector, section: ExtractSection, cursor: str | None) -> None:
        self.source, self.section, self.cursor = source, section, cursor
        self.pages: AsyncIterator[Page] | None = None
        self.seen = False

    async def next_page(self, policy: RetryPolicy) -> Page | None:
        """The next page (None at the end): each page gets the policy's tries afresh."""
        try:
            async for attempt in policy.retrying(TransientError):
                with attempt:
                    return await self._read()
        except TransientError as exc:
            raise RunFailed(f"extract failed after {policy.attempts} attempts: {exc}") from exc
        except ConnectorError as exc:
            raise RunFailed(f"extract failed: {exc}") from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _read(self) -> Page | None:
        if self.pages is None:
            section = self.section
            self.pages = self.source.read(
                section.resource or "",
                params=dict(section.params),
                cursor=self.cursor,
                cursor_field=section.cursor_field,
                batch_size=section.batch_size,
            )
        try:
            page = await anext(self.pages)
        except StopAsyncIteration:
            return None
        except TransientError as exc:
            await self.close()  # the next try opens the source again, from `cursor`
            if self.seen and self.cursor is None:
                raise RunFailed(
                    f"extract failed and the source gives no cursor to resume from: {exc}"
                ) from exc
            raise
        self.seen = True
        if page.cursor is not None:
            self.cursor = page.cursor
        return page

    async def close(self) -> None:
        pages, self.pages = self.pages, None
        closer = getattr(pages, "aclose", None)
        if closer is not None:
            await closer()


async def batches(records: Iterable[Any], size: int) -> AsyncGenerator[Page, None]:
    """Pushed or replayed records, in extract-sized batches with no cursor."""
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield Page(batch)
            batch = []
    if batch:
        yield Page(batch)


async def prefetched(pages: AsyncGenerator[Page, None]) -> AsyncGenerator[Page, None]:
    """`pages`, with the next one already being read while the caller works on this one.

    At most one page is held ahead; when the caller stops early (an error, a cancelled run),
    the read in flight is cancelled and the source closed.
    """
    ahead: asyncio.Future[Page] = asyncio.ensure_future(anext(pages))
    try:
        while True:
            try:
                page = await ahead
            except StopAsyncIteration:
                return
            ahead = asyncio.ensure_future(anext(pages))
            await asyncio.sleep(0)  # let the read start now: its request goes out before our work
            yield page
    finally:
        if not ahead.done():
            ahead.cancel()
        await asyncio.wait({ahead})
        if not ahead.cancelled():
            ahead.exception()  # retrieved: it belongs to a page nobody will use
        await pages.aclose()
