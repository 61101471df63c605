"""A configurable JSON REST API served on loopback by a real HTTP server in a thread.

Collections (`api.collections[name]`, lists of records) are served in each pagination style:

    GET /page/{name}?page=1&per_page=N      {"data": [...], "meta": {"page": 1}}
    GET /offset/{name}?offset=0&limit=N     {"data": [...]}
    GET /cursor/{name}?cursor=C&limit=N     {"data": [...], "next_cursor": "..." | null}
    GET /next/{name}?after=0&limit=N        {"results": [...], "next": "http://.../next/..." | null}
    GET /link/{name}?page=1&per_page=N      [...] with `Link: <...>; rel="next"` while there is more
    GET /plain/{name}                       [...] (everything)

`updated_since=T` keeps records whose `updated_at` is after T (ISO strings in one offset compare
as text). Writes store what they receive in `api.received` (method, path, body):

    POST /{name}  (a record, or an array in batch mode)      201
    PUT | PATCH /{name}/{id}                                   200
A record with `"reject": true` answers 422 with a JSON error; `"explode": true` answers 500.

Faults, for the next matching requests (`api.inject(Fault(...))`): any status, body, headers,
content type, and a delay (a remote that never answers). `api.require` lists headers a request
must carry (else 401). `api.loop_cursor = True` makes the cursor style answer the same cursor
forever; `api.ignore_paging = True` makes page/offset answer the first page whatever is asked.
Every request is recorded in `api.requests`.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

PER_PAGE = 10


@dataclass
class Fault:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    path: str = ""  # applies to requests whose path starts with this
    method: str = ""  # and, when set, whose method is this


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class RestApi:
    base_url: str = ""
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[tuple[str, str, Any]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    require: dict[str, str] = field(default_factory=dict)
    loop_cursor: bool = False
    ignore_paging: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path) and fault.method in ("", method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def gets(self, prefix: str = "") -> list[Seen]:
        return [r for r in self.requests if r.method == "GET" and r.path.startswith(prefix)]


def records(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    """Products with ids beyond 2^53 (they must stay exact) and one updated_at per second."""
    return [
        {
            "id": 9_007_199_254_740_993 + i,
            "sku": f"SKU-{i}",
            "title": f"Product {i}",
            "price": f"{10 + i}.50",
            "updated_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
        }
        for i in range(start, start + count)
    ]


class _Handler(BaseHTTPRequestHandler):
    api: RestApi
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body as two writes meet delayed ACKs: 40 ms a page

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        api = self.api
        with api.lock:
            api.requests.append(Seen(self.command, parts.path, query, dict(self.headers.items()), body))
        fault = api.take_fault(self.command, parts.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
            return
        for name, value in api.require.items():
            if self.headers.get(name) != value:
                self._json(401, {"error": "unauthorized"})
                return
        if self.command == "GET":
            self._read(parts.path, query)
        else:
            self._write(parts.path, body)

    def _read(self, path: str, query: dict[str, str]) -> None:
        _, style, name = [*path.split("/", 2), "", ""][:3]
        items = self.api.collections.get(name)
        if items is None:
            if path in ("/", ""):
                self._json(200, {"ok": True})
            else:
                self._json(404, {"error": f"no collection {name!r}"})
            return
        since = query.get("updated_since")
        if since:
            items = [r for r in items if str(r.get("updated_at", "")) > since]
        size = int(query.get("per_page") or query.get("limit") or PER_PAGE)
        here = f"{self.api.base_url}/{style}/{name}"
        if style == "page" or style == "link":
            page = 1 if self.api.ignore_paging else int(query.get("page", 1))
            chunk = items[(page - 1) * size : page * size]
            if style == "page":
                self._json(200, {"data": chunk, "meta": {"page": page}})
                return
            more = page * size < len(items)
            link = {"Link": f'<{here}?{urlencode({**query, "page": page + 1})}>; rel="next"'} if more else {}
            self._json(200, chunk, link)
        elif style == "offset":
            offset = 0 if self.api.ignore_paging else int(query.get("offset", 0))
            self._json(200, {"data": items[offset : offset + size]})
        elif style == "cursor":
            at = int(query.get("cursor") or 0)
            following = str(at + size) if at + size < len(items) else None
            if self.api.loop_cursor:
                following = str(size)  # page 2 names itself as the next page
            self._json(200, {"data": items[at : at + size], "next_cursor": following})
        elif style == "next":
            at = int(query.get("after") or 0)
            following = (
                f"{here}?{urlencode({**query, 'after': at + size})}" if at + size < len(items) else None
            )
            self._json(200, {"results": items[at : at + size], "next": following})
        else:
            self._json(200, items)

    def _write(self, path: str, body: Any) -> None:
        for record in body if isinstance(body, list) else [body]:
            if isinstance(record, dict) and record.get("explode"):
                self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
                return
            if isinstance(record, dict) and record.get("reject"):
                self._json(422, {"errors": {"sku": ["is invalid"]}, "sku": record.get("sku")})
                return
        with self.api.lock:
            self.api.received.append((self.command, path, body))
        self._json(201 if self.command == "POST" else 200, body)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers or {})

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler sleeping in a "never answers" fault must not hold shutdown


@contextmanager
def serve_rest_api(api: RestApi | None = None, *, tls: ssl.SSLContext | None = None) -> Iterator[RestApi]:
    """Serves `api` on a free loopback port; over TLS with `tls` (a server-side context)."""
    api = api or RestApi()
    handler = type("Handler", (_Handler,), {"api": api})
    server = _Server(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    api.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
