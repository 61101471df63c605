"""`http`: any JSON REST API as a source (GET, paginated) and as a target (POST/PUT/PATCH).

A mapping's `extract.resource` and `load.resource` are paths under the profile's baseUrl; a load
path may name record fields (`items/{externalId}`), filled per record and URL-quoted.

Reading: each page is one GET (with its retries, ezy.connectors._http_request); its records are at
`recordsPath`. Pagination that would request a page it already requested (the same cursor or
next URL twice), a page identical to the one before, or more than `maxPages` pages stops the read
with a `ConnectorError` naming the reason: a run fails clearly rather than spinning. With an
incremental cursor field, the stored cursor goes out as a query parameter and each page carries
the greatest value of that field seen so far.

Writing: one request per record (bounded concurrency) or one JSON array per batch. The status
decides: 2xx written; 401/403 fail the whole batch (credentials are not a record's fault); other
4xx reject the record with an excerpt of the answer (no retry); 429, 5xx and timeouts are retried,
then fail the record (`load_failed`); a remote that cannot be reached at all is a TransientError
for the batch, which the load stage retries and the run retries later.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from string import Formatter
from typing import Any, ClassVar
from urllib.parse import quote

from ezy.connectors._http_config import AUTH_SECRET, HttpConfig, HttpSecrets, HttpSettings, needed_members
from ezy.connectors._http_pages import MISSING, lookup, paginator, records_at
from ezy.connectors._http_request import Answer, GaveUp, Requester
from ezy.connectors.base import (
    WRITE_OK,
    ConnectionTestResult,
    ConnectorError,
    ConnectorKind,
    KindBase,
    KindSettings,
    Page,
    Resource,
    WriteMode,
    WriteResult,
    url_host,
)
from ezy.errors import FieldError

_METHOD_BY_MODE = {"insert": "POST", "upsert": "PUT", "update": "PATCH"}


class HttpConnector(KindBase):
    kind: ClassVar[ConnectorKind] = ConnectorKind.HTTP
    description: ClassVar[str] = (
        "Any JSON REST API: auth, pagination (page, offset, cursor, next URL, `Link`), a records path, "
        "retries; writes per record (a URL template) or per batch."
    )
    config_model: ClassVar[type[KindSettings]] = HttpConfig
    secrets_model: ClassVar[type[KindSettings]] = HttpSecrets

    @classmethod
    def check_profile(cls, config: Mapping[str, Any], secret_keys: set[str]) -> list[FieldError]:
        errors = [FieldError(pointer, message) for pointer, message in needed_members(config)]
        auth_type = (config.get("auth") or {}).get("type", "none")
        needed = AUTH_SECRET.get(auth_type)
        if needed and needed not in secret_keys:
            errors.append(FieldError(f"/secrets/{needed}", f"auth type {auth_type!r} needs secrets.{needed}"))
        return errors

    @classmethod
    def hosts(cls, config: Mapping[str, Any]) -> list[tuple[str, int | None]]:
        return [url_host(str(config["baseUrl"]))]

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, Any] | None = None,
        *,
        allow_private_networks: bool = False,
    ) -> None:
        self._settings = HttpSettings.from_config(config)
        self._requests = Requester(self._settings, secrets or {}, allow_private=allow_private_networks)

    def _url(self, path: str) -> str:
        path = path.strip("/")
        return f"{self._settings.base_url.rstrip('/')}/{path}" if path else self._settings.base_url

    async def test(self) -> ConnectionTestResult:
        started = time.perf_counter()
        try:
            answer = await self._requests.send("GET", self._url(self._settings.test_path), attempts=1)
        except ConnectorError as exc:
            return ConnectionTestResult(False, _ms(started), str(exc))
        if answer.ok:
            detail = f"HTTP {answer.status} from {answer.where}"
        elif answer.status in (401, 403):
            detail = f"the API refused the credentials: {answer.failure()}"
        else:
            detail = answer.failure()
        return ConnectionTestResult(answer.ok, _ms(started), detail)

    async def list_resources(self) -> list[Resource]:
        return []  # a REST API does not list its collections; the mapping names one

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        query = dict(params or {})
        if cursor_field and cursor:
            query[self._settings.incremental_param or cursor_field] = cursor
        pages = paginator(self._settings.pagination, batch_size)
        max_pages = self._settings.pagination.max_pages
        request = pages.first(self._url(resource), query)
        requested = {request.key()}
        previous = b""
        for number in itertools.count(1):
            answer = await self._requests.send("GET", request.url, params=request.params)
            if not answer.ok:
                raise ConnectorError(f"reading {resource!r}: {_refusal(answer)}")
            body = answer.json()
            records = records_at(answer, body, self._settings.records_path)
            digest = hashlib.sha256(answer.body).digest()
            if records and digest == previous:
                raise ConnectorError(
                    f"reading {resource!r}: page {number} is the same as page {number - 1}; the API "
                    "does not seem to honour the pagination parameters (stopped)"
                )
            previous = digest
            following = pages.next(request, answer, body, records)
            if cursor_field:
                cursor = latest(cursor, records, cursor_field)
            yield Page(records, cursor if cursor_field else None)
            if following is None:
                return
            if following.key() in requested:
                raise ConnectorError(
                    f"reading {resource!r}: pagination loops (page {number + 1} would request a page "
                    "already read: the same cursor or next URL twice); stopped"
                )
            if number >= max_pages:
                raise ConnectorError(
                    f"reading {resource!r}: stopped at pagination.maxPages ({max_pages}) pages"
                )
            requested.add(following.key())
            request = following

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        if not records:
            return []
        method = self._settings.write_method or _METHOD_BY_MODE[mode]
        if self._settings.write_batch:
            return await self._write_batch(method, resource, records)
        gate = asyncio.Semaphore(self._settings.write_concurrency)

        async def one(record: Mapping[str, Any]) -> WriteResult:
            async with gate:
                return await self._write_one(method, resource, record)

        outcomes = await asyncio.gather(*(one(r) for r in records), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [o for o in outcomes if isinstance(o, WriteResult)]

    async def _write_one(self, method: str, resource: str, record: Mapping[str, Any]) -> WriteResult:
        try:
            path = fill(resource, record)
        except KeyError as exc:
            return WriteResult(
                False, "load_rejected", f"the path {resource!r} needs field {exc}, which the record lacks"
            )
        try:
            answer = await self._requests.send(method, self._url(path), body=record)
        except GaveUp as exc:
            return WriteResult(False, "load_failed", str(exc))
        return _result(answer)

    async def _write_batch(
        self, method: str, resource: str, records: Sequence[Mapping[str, Any]]
    ) -> list[WriteResult]:
        if placeholders(resource):
            raise ConnectorError(
                f"a batch write sends every record to one URL; {resource!r} names record fields"
            )
        try:
            answer = await self._requests.send(method, self._url(resource), body=list(records))
        except GaveUp as exc:
            return [WriteResult(False, "load_failed", str(exc))] * len(records)
        return [_result(answer)] * len(records)

    async def close(self) -> None:
        await self._requests.close()


def _result(answer: Answer) -> WriteResult:
    if answer.ok:
        return WRITE_OK
    if answer.status in (401, 403):
        raise ConnectorError(_refusal(answer))
    return WriteResult(False, "load_rejected", answer.failure())


def _refusal(answer: Answer) -> str:
    if answer.status in (401, 403):
        return f"the API refused the credentials: {answer.failure()}"
    return answer.failure()


def placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(template) if name is not None]


def fill(template: str, record: Mapping[str, Any]) -> str:
    """`items/{externalId}` with the record's field, URL-quoted; KeyError names a missing field."""
    parts = []
    for literal, name, _, _ in Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            value = lookup(record, name)
            if value is MISSING or value is None or isinstance(value, dict | list):
                raise KeyError(name)
            parts.append(quote(str(value), safe=""))
    return "".join(parts)


def latest(current: str | None, records: list[Any], field: str) -> str | None:
    """The greatest `field` among the records and `current`."""
    best = current
    for record in records:
        value = lookup(record, field)
        if value is MISSING or value is None or isinstance(value, dict | list):
            continue
        if best is None or _greater(str(value), best):
            best = str(value)
    return best


def _greater(a: str, b: str) -> bool:
    """a > b: as instants when both are timestamps, as numbers when both are numbers, else as text."""
    moments = _instant(a), _instant(b)
    if moments[0] is not None and moments[1] is not None:
        return moments[0] > moments[1]
    try:
        return float(a) > float(b)
    except ValueError:
        return a > b


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
