"""Where the next page of an `http` source is: one small class per pagination style.

Each style answers the first request and, from a page's answer, the next request or None (the
end). Loop detection and the page cap are the reader's (ezy.connectors.http), the same for all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ezy.connectors._http_config import Pagination
from ezy.connectors._http_request import Answer
from ezy.connectors.base import ConnectorError

MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class PageRequest:
    url: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.url, tuple(sorted((k, str(v)) for k, v in self.params.items()))


class Paginator(Protocol):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest: ...

    def next(
        self, current: PageRequest, answer: Answer, body: Any, records: list[Any]
    ) -> PageRequest | None: ...


def lookup(body: Any, path: str) -> Any:
    """`body` at a dotted path ("data.items", "results.0.rows"); MISSING when absent."""
    node = body
    for part in path.split(".") if path else ():
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def records_at(answer: Answer, body: Any, path: str) -> list[Any]:
    found = lookup(body, path)
    if found is MISSING:
        raise ConnectorError(f"recordsPath {path!r} matches nothing in the response from {answer.where}")
    if isinstance(found, list):
        return found
    if not path and isinstance(found, Mapping):
        keys = ", ".join(list(found)[:10])
        raise ConnectorError(
            f"the response from {answer.where} is an object, not a list: set recordsPath to the "
            f"list of records in it (its keys: {keys})"
        )
    where = f"recordsPath {path!r}" if path else "the response"
    raise ConnectorError(f"{where} from {answer.where} is a {type(found).__name__}, not a list of records")


class _Sized:
    def __init__(self, settings: Pagination, batch_size: int) -> None:
        self._settings = settings
        self._size = settings.page_size or batch_size

    def _with_size(self, params: Mapping[str, Any], **more: Any) -> dict[str, Any]:
        out = {**params, **more}
        if self._settings.size_param:
            out[self._settings.size_param] = self._size
        return out


class NoPages:
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(url, dict(params))

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        return None


class PageNumbers(_Sized):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(
            url, self._with_size(params, **{self._settings.page_param: self._settings.start_page})
        )

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        if not records:
            return None
        number = int(current.params[self._settings.page_param]) + 1
        return PageRequest(current.url, {**current.params, self._settings.page_param: number})


class Offsets(_Sized):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(url, self._with_size(params, **{self._settings.offset_param: 0}))

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        if not records:
            return None
        offset = int(current.params[self._settings.offset_param]) + len(records)
        return PageRequest(current.url, {**current.params, self._settings.offset_param: offset})


class BodyCursor(_Sized):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(url, self._with_size(params))

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        token = lookup(body, self._settings.cursor_path)
        if token is MISSING or token is None or token == "" or token is False:
            return None
        if isinstance(token, dict | list):
            raise ConnectorError(
                f"cursorPath {self._settings.cursor_path!r} in {answer.where} is not a value"
            )
        return PageRequest(current.url, {**current.params, self._settings.cursor_param: token})


class NextUrl(_Sized):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(url, self._with_size(params))

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        link = lookup(body, self._settings.next_path)
        if link is MISSING or link is None or link == "":
            return None
        if not isinstance(link, str):
            raise ConnectorError(f"nextPath {self._settings.next_path!r} in {answer.where} is not a URL")
        return _following(answer, link)


class LinkHeader(_Sized):
    def first(self, url: str, params: Mapping[str, Any]) -> PageRequest:
        return PageRequest(url, self._with_size(params))

    def next(self, current: PageRequest, answer: Answer, body: Any, records: list[Any]) -> PageRequest | None:
        link = _next_link(answer)
        return None if link is None else _following(answer, link)


def _next_link(answer: Answer) -> str | None:
    response = httpx.Response(answer.status, headers=answer.headers)
    found = response.links.get("next", {}).get("url")
    return str(found) if found else None


def _following(answer: Answer, link: str) -> PageRequest:
    """The next page's URL, relative to the page that named it; it carries its own query."""
    url = answer.url.join(link)
    if url.scheme not in ("http", "https"):
        raise ConnectorError(f"the next page's URL in {answer.where} is not http(s)")
    return PageRequest(str(url))


def paginator(settings: Pagination, batch_size: int) -> Paginator:
    styles: dict[str, Paginator] = {
        "none": NoPages(),
        "page": PageNumbers(settings, batch_size),
        "offset": Offsets(settings, batch_size),
        "cursor": BodyCursor(settings, batch_size),
        "next": NextUrl(settings, batch_size),
        "link": LinkHeader(settings, batch_size),
    }
    return styles[settings.type]
