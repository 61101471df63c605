"""A full read through one of Shopify's bulk operations, in the same record shape as the paged read.

    bulkOperationRunQuery(query)      starts the operation (Shopify runs it on its side)
    node(id:) { ... on BulkOperation } polled, with a growing interval, until COMPLETED; FAILED,
                                      CANCELED or EXPIRED is an error, and so is still running
                                      after `max_wait` (the operation is then cancelled)
    GET url                           the result: JSONL, one object a line, streamed

A nested connection's nodes (a product's variants, an order's line items) come as lines of their
own after their parent's, carrying `__parentId`; they are put back under the parent and the pair
goes through the same shape function as a page of the paged read, so records are identical. The
download goes through the guarded transport (address checks, a size cap) without the access token:
Shopify answers a signed URL on its storage host. A malformed line, a child whose parent is not the
line before it or its siblings, or a record missing a field stops the read with the line's number:
never a skipped record. The incremental cursor is on the last page only, so a run checkpoints it
once everything before it is written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from ezy.connectors._http_transport import ResponseTooLarge, open_client
from ezy.connectors._shopify_shapes import ResourceQuery
from ezy.connectors.base import ConnectorError, Page, TransientError
from ezy.connectors.http import latest

log = logging.getLogger("ezy.connectors.shopify")
GraphQL = Callable[[str, str, Mapping[str, Any]], Awaitable[dict[str, Any]]]

RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}
"""
POLL = """
query BulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url createdAt }
  }
}
"""
CANCEL = """
mutation BulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } }
}
"""
_FAILURES = {
    "ACCESS_DENIED": "the access token lacks a scope this needs",
    "TIMEOUT": "Shopify gave up on it; a narrower query (extract.params) may finish",
    "INTERNAL_SERVER_ERROR": "an error on Shopify's side; the next run tries again",
}
_ENDED = {"CANCELED": "was cancelled", "CANCELING": "was cancelled", "EXPIRED": "expired"}


class BulkFailed(ConnectorError):
    pass


@dataclass(frozen=True, slots=True)
class BulkSettings:
    poll_interval: float = 1.0  # the first wait; each next one is 1.5 times longer, up to...
    max_poll_interval: float = 10.0
    max_wait: float = 3600.0  # running longer than this: cancelled, and the read fails
    max_bytes: int = 1024**3  # the JSONL result, decoded
    timeout: float = 60.0  # the download's connect / read timeout


def bulk_query(spec: ResourceQuery, search: str | None) -> str:
    """The resource's connection without pagination, for Shopify to run to the end."""
    args = []
    if search:
        args.append(f"query: {json.dumps(search)}")
    if spec.incremental:
        args.append("sortKey: UPDATED_AT")
    nested = f"{spec.nested} {{ edges {{ node {{ {spec.nested_fields} }} }} }}" if spec.nested else ""
    where = f"({', '.join(args)})" if args else ""
    return f"{{ {spec.field}{where} {{ edges {{ node {{ {spec.fields} {nested} }} }} }} }}"


class BulkRead:
    """One bulk read of one resource; `operation` and `polls` are kept for the read's log line."""

    def __init__(self, graphql: GraphQL, settings: BulkSettings, *, allow_private: bool) -> None:
        self._graphql = graphql
        self._settings = settings
        self._allow_private = allow_private
        self.polls = 0
        self.operation = ""

    async def pages(
        self,
        resource: str,
        spec: ResourceQuery,
        search: str | None,
        batch_size: int,
        cursor_field: str | None,
    ) -> AsyncGenerator[Page, None]:
        started = await self._start(resource, bulk_query(spec, search))
        self.operation = str(started["id"])
        done = await self._wait(resource)
        if not done.get("url"):  # Shopify answers no file when nothing matched
            return
        high: str | None = None
        async for records in self.records(str(done["url"]), spec, batch_size):
            if cursor_field:
                high = latest(high, records, "updated_at")
            yield Page(records)
        if cursor_field and high:
            yield Page([], _no_later_than(high, done.get("createdAt")))

    async def _start(self, resource: str, query: str) -> dict[str, Any]:
        data = await self._graphql("bulkOperationRunQuery", RUN, {"query": query})
        answer = data.get("bulkOperationRunQuery") or {}
        errors = answer.get("userErrors") or []
        if errors or not answer.get("bulkOperation"):
            why = "; ".join(str(e.get("message")) for e in errors) or "no operation was started"
            raise BulkFailed(f"Shopify refused a bulk operation reading {resource}: {why}")
        started: dict[str, Any] = answer["bulkOperation"]
        log.info("bulk operation %s started for %s", started["id"], resource)
        return started

    async def _wait(self, resource: str) -> dict[str, Any]:
        settings = self._settings
        deadline = time.monotonic() + settings.max_wait
        interval = settings.poll_interval
        finished = False
        try:
            while True:
                data = await self._graphql("BulkOperation", POLL, {"id": self.operation})
                self.polls += 1
                op = data.get("node") or {}
                status = str(op.get("status"))
                finished = status not in ("CREATED", "RUNNING")  # nothing left to cancel
                if status == "COMPLETED":
                    return op
                self._refuse_ended(resource, op, status)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BulkFailed(
                        f"Shopify's bulk operation {self.operation} reading {resource} did not complete "
                        f"within {settings.max_wait:g} s (still {status}, {op.get('objectCount', 0)} objects "
                        "so far); it was cancelled"
                    )
                await asyncio.sleep(min(interval, left))
                interval = min(interval * 1.5, settings.max_poll_interval)
        finally:
            if not finished:
                await self._cancel()

    def _refuse_ended(self, resource: str, op: Mapping[str, Any], status: str) -> None:
        where = f"Shopify's bulk operation {self.operation} reading {resource}"
        if status == "FAILED":
            code = str(op.get("errorCode") or "no error code")
            why = _FAILURES.get(code, "")
            raise BulkFailed(f"{where} failed ({code}{': ' if why else ''}{why})")
        if status in _ENDED:
            raise BulkFailed(f"{where} {_ENDED[status]} ({status}) before it completed")
        if status not in ("CREATED", "RUNNING"):
            raise BulkFailed(f"{where} answered an unknown status {status!r}")

    async def _cancel(self) -> None:
        """Best effort: a read that stops leaves no operation running (Shopify runs one at a time)."""
        try:
            await self._graphql("bulkOperationCancel", CANCEL, {"id": self.operation})
        except Exception as exc:  # the read's own error is the one to report
            log.warning("could not cancel bulk operation %s: %s", self.operation, exc)

    async def records(self, url: str, spec: ResourceQuery, batch_size: int) -> AsyncIterator[list[Any]]:
        """A completed operation's result at `url`, in batches of records."""
        assembled = _Assembler(spec)
        async for number, line in self._lines(url):
            assembled.add(number, line)
            if len(assembled.records) >= batch_size:
                yield assembled.take()
        assembled.finish()
        if assembled.records:
            yield assembled.take()

    async def _lines(self, url: str) -> AsyncIterator[tuple[int, str]]:
        """The result's non-empty lines, numbered; each must be UTF-8."""
        settings = self._settings
        client = open_client(
            allow_private=self._allow_private, timeout=settings.timeout, max_response_bytes=settings.max_bytes
        )
        deadline = time.monotonic() + settings.max_wait
        try:
            async with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise BulkFailed(
                        f"downloading the bulk operation's result answered HTTP {response.status_code}"
                    )
                number, seen, rest = 0, 0, b""
                async for chunk in response.aiter_bytes():
                    seen += len(chunk)
                    if seen > settings.max_bytes:  # decoded: a compressed file is capped on the wire too
                        raise ResponseTooLarge(
                            f"the bulk operation's result exceeds {settings.max_bytes} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise BulkFailed(
                            f"downloading the bulk operation's result took over {settings.max_wait:g} s"
                        )
                    *lines, rest = (rest + chunk).split(b"\n")
                    for raw in lines:
                        number += 1
                        if raw.strip():
                            yield number, _text(number, raw)
                if rest.strip():
                    yield number + 1, _text(number + 1, rest)
        except httpx.TimeoutException:
            raise TransientError("downloading the bulk operation's result timed out") from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"downloading the bulk operation's result failed ({type(exc).__name__})"
            ) from None
        finally:
            await client.aclose()


def _text(number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BulkFailed(f"line {number} of the bulk operation's result is not UTF-8") from None


class _Assembler:
    """JSONL lines -> records: a parent line, then its children (`__parentId`), then the next parent."""

    def __init__(self, spec: ResourceQuery) -> None:
        self._spec = spec
        self._parent: dict[str, Any] | None = None
        self._children: list[Mapping[str, Any]] = []
        self._line = 0
        self.records: list[Any] = []

    def add(self, number: int, line: str) -> None:
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            raise BulkFailed(
                f"line {number} of the bulk operation's result is not JSON: {line[:120]!r}"
            ) from None
        if not isinstance(item, dict):
            raise BulkFailed(f"line {number} of the bulk operation's result is not an object: {line[:120]!r}")
        parent_id = item.pop("__parentId", None)
        if parent_id is None:
            self.finish()
            self._parent, self._children, self._line = item, [], number
            return
        if self._parent is None or parent_id != self._parent.get("id"):
            raise BulkFailed(
                f"line {number} of the bulk operation's result belongs to {parent_id}, which is not the "
                "object it follows: the result is out of order"
            )
        self._children.append(item)

    def finish(self) -> None:
        """The open parent, with its children, becomes its record(s)."""
        if self._parent is None:
            return
        try:
            self.records.extend(self._spec.shape(self._parent, self._children))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BulkFailed(
                f"line {self._line} of the bulk operation's result ({self._parent.get('id')}) "
                f"cannot be read: {type(exc).__name__} {exc}"
            ) from None
        self._parent, self._children = None, []

    def take(self) -> list[Any]:
        records, self.records = self.records, []
        return records


def _no_later_than(high: str, created_at: Any) -> str:
    """The cursor: the newest `updated_at` read, but never past the operation's start, so a record
    changed while Shopify was reading is read again by the next incremental run."""
    try:
        start = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
        if datetime.fromisoformat(high.replace("Z", "+00:00")) > start:
            return str(created_at)
    except ValueError:
        pass
    return high
