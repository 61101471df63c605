"""The one way out for requests made on a tenant's behalf (connection tests, the HTTP connectors).

`open_client()` builds an `httpx.AsyncClient` on `GuardedTransport`, whose network backend:

- resolves a host once (ezy.netguard.checked_addresses) and refuses it when any of its addresses is
  private, loopback, link-local, shared or a cloud metadata address, unless the deployment allows
  private networks (`BlockedAddress`);
- connects to an address it checked, never to the name: a second DNS answer (rebinding) cannot
  move the connection. TLS still verifies the certificate and sends SNI for the host name, and
  the `Host` header is the name, because httpcore takes those from the request, not the socket;
- is asked again for every new connection, so each redirect hop is checked like the first request.

HTTP/2 is offered over TLS and used where the server picks it (one multiplexed connection for a
run's concurrent writes). The transport also caps how many body bytes one response may carry
(`ResponseTooLarge`), and the client ignores proxy variables from the environment (a proxy would
connect for us, unchecked).
Credentials are added by a request hook, and only to requests for the profile's own origin: a
redirect or a next-page URL that leaves it never carries them.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterable, Mapping
from functools import cache

import httpcore
import httpx

from ezy.connectors.base import ConnectorError
from ezy.netguard import checked_addresses

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 5
_RESOLVE_TIMEOUT_SECONDS = 10.0


class ResponseTooLarge(ConnectorError):
    pass


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await asyncio.wait_for(
            checked_addresses(host, port, allow_private=self._allow_private),
            timeout or _RESOLVE_TIMEOUT_SECONDS,
        )
        failure: Exception | None = None
        for address in addresses:  # all checked; the first that answers wins
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # checked_addresses never answers an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not reachable through connectors")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int, url: httpx.URL) -> None:
        self._inner, self._limit, self._url = inner, limit, url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseTooLarge(f"the response from {_where(self._url)} exceeds {self._limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


@cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying context for all clients: loading the CA bundle costs ~50 ms each time."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        *,
        allow_private: bool,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        ssl_context = ssl_context or _ssl_context()
        super().__init__(verify=ssl_context, trust_env=False)
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
        # httpx does not expose httpcore's network backend; the pool is rebuilt with ours (the same
        # settings httpx would use, apart from the backend).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=True,  # offered in TLS (ALPN); used where the server picks it
            network_backend=GuardedBackend(allow_private=allow_private),
        )
        self._max_response_bytes = max_response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_response_bytes:
            await response.aclose()
            raise ResponseTooLarge(
                f"the response from {_where(request.url)} declares {declared} bytes, "
                f"more than the {self._max_response_bytes} allowed"
            )
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(response.stream, self._max_response_bytes, request.url)
        return response


def open_client(
    *,
    allow_private: bool,
    timeout: float,
    credentials: Mapping[str, str] | None = None,
    credentials_origin: str | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """A client whose requests all go through the guard; `credentials` (headers) are sent only to
    `credentials_origin` (scheme://host:port). `ssl_context` replaces the system's trust store."""
    hooks = []
    if credentials:
        origin = httpx.URL(credentials_origin or "")
        creds = dict(credentials)

        async def add_credentials(request: httpx.Request) -> None:
            same = _origin(request.url) == _origin(origin)
            for name, value in creds.items():
                if same:
                    request.headers[name] = value
                else:
                    request.headers.pop(name, None)

        hooks.append(add_credentials)
    return httpx.AsyncClient(
        transport=GuardedTransport(
            allow_private=allow_private, max_response_bytes=max_response_bytes, ssl_context=ssl_context
        ),
        trust_env=False,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=httpx.Timeout(timeout),
        event_hooks={"request": hooks},
    )


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body of a streamed response, refused past `limit` bytes (a compression bomb
    stays small on the wire, so the raw cap in the transport is not enough)."""
    parts: list[bytes] = []
    seen = 0
    async for chunk in response.aiter_bytes():
        seen += len(chunk)
        if seen > limit:
            raise ResponseTooLarge(f"the response from {_where(response.request.url)} exceeds {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _where(url: httpx.URL) -> str:
    """A URL fit for an error message: no query string (it may carry a key), no user info."""
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))
