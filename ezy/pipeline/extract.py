"""Extract: pages from the source connector, or the pushed / replayed records in batches.

A page that fails with a transient error is read again, from the cursor of the last page that
came through, with backoff; after the policy's attempts the run fails.

`prefetched` reads one page ahead, so the source works on the next page while the run waits
on the load of the current one. Reading ahead moves no checkpoint: the runner records a page's
cursor only once the batch that carried it is loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
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
    failures = 0
    pages_seen = False
    while True:
        pages = source.read(
            section.resource,
            params=dict(section.params),
            cursor=cursor,
            cursor_field=section.cursor_field,
            batch_size=section.batch_size,
        )
        try:
            async for page in pages:
                failures = 0
                pages_seen = True
                yield page
                if page.cursor is not None:
                    cursor = page.cursor
            return
        except TransientError as exc:
            failures += 1
            if failures >= policy.attempts:
                raise RunFailed(f"extract failed after {failures} attempts: {exc}") from exc
            if pages_seen and cursor is None:
                raise RunFailed(
                    f"extract failed and the source gives no cursor to resume from: {exc}"
                ) from exc
            await asyncio.sleep(policy.delay(failures))
        except ConnectorError as exc:
            raise RunFailed(f"extract failed: {exc}") from exc
        finally:
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
