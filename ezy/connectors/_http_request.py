"""One HTTP request of a connector, with its retries, through the guarded client of its run.

    send() -> Answer            the remote answered (any status but 429 and 5xx, or those on a
                                request made with retry=False)
    GaveUp (TransientError)     429, 5xx or a timeout on every attempt: the remote is there but
                                not serving; a writer turns this into an entity error per record
    TransientError              the remote could not be reached on any attempt
    ConnectorError              the address is refused, or a response is too large or not JSON

Attempts wait with exponential backoff and jitter (tenacity); a `Retry-After` header (seconds
or an HTTP date) replaces the backoff, capped at the profile's maxDelaySeconds. Every wait is
logged, so throttling shows in the run's logs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from ezy.connectors._http_config import HttpSettings
from ezy.connectors._http_transport import open_client, read_body
from ezy.connectors.base import ConnectorError, TransientError
from ezy.netguard import BlockedAddress, UnresolvableHost

log = logging.getLogger("ezy.connectors.http")
EXCERPT_CHARS = 300


class GaveUp(TransientError):
    pass


class _Retry(Exception):
    def __init__(self, message: str, *, reachable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reachable = reachable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Answer:
    method: str
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes
    secrets: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.method} {self.url.copy_with(query=None, fragment=None)}"

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def excerpt(self) -> str:
        text = " ".join(self.body[: EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
        return redact(text[:EXCERPT_CHARS], self.secrets)

    def failure(self) -> str:
        excerpt = self.excerpt()
        return f"HTTP {self.status} from {self.where}" + (f": {excerpt}" if excerpt else "")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except UnicodeDecodeError:
            raise ConnectorError(f"the response from {self.where} is not valid UTF-8 JSON") from None
        except (ValueError, RecursionError):
            kind = self.headers.get("content-type", "no content type")
            raise ConnectorError(
                f"the response from {self.where} is not JSON ({kind}): {self.excerpt()!r}"
            ) from None


class Requester:
    """The requests of one connector (one run): one shared, pooled client, opened on first use."""

    def __init__(self, settings: HttpSettings, secrets: Mapping[str, Any], *, allow_private: bool) -> None:
        self._settings = settings
        self._allow_private = allow_private
        self._credentials = credentials(settings, secrets)
        self._secrets = tuple(str(v) for v in secrets.values() if v)
        self._client: httpx.AsyncClient | None = None
        self.retried = 0  # attempts that failed and were tried again, for the run's logs

    def _open(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = open_client(
                allow_private=self._allow_private,
                timeout=self._settings.timeout,
                credentials=self._credentials,
                credentials_origin=self._settings.base_url,
                max_response_bytes=self._settings.max_response_bytes,
            )
        return self._client

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        attempts: int | None = None,
    ) -> Answer:
        policy = self._settings.retries
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts or policy.attempts),
            wait=_waiter(policy.initial_delay, policy.max_delay),
            retry=retry_if_exception_type(_Retry),
            before_sleep=self._before_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(method, url, params, body)
        except _Retry as exc:
            message = redact(str(exc), self._secrets)
            raise (GaveUp(message) if exc.reachable else TransientError(message)) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _before_retry(self, state: RetryCallState) -> None:
        self.retried += 1
        _log_wait(state)

    async def _attempt(self, method: str, url: str, params: Mapping[str, Any] | None, body: Any) -> Answer:
        client = self._open()
        try:
            async with asyncio.timeout(self._settings.timeout):
                kwargs: dict[str, Any] = {"params": params} if params else {}
                if body is not None:
                    kwargs["json"] = body
                async with client.stream(method, url, **kwargs) as response:
                    data = await read_body(response, self._settings.max_response_bytes)
        except (TimeoutError, httpx.TimeoutException):
            where = _where(method, url)
            raise _Retry(f"{where} timed out after {self._settings.timeout:g} s", reachable=True) from None
        except BlockedAddress as exc:
            raise ConnectorError(
                f"refused {_where(method, url)}: {exc}; private, loopback and link-local addresses are not "
                "allowed in this deployment"
            ) from None
        except UnresolvableHost as exc:
            raise _Retry(f"{_where(method, url)}: {exc}", reachable=False) from None
        except httpx.TooManyRedirects:
            raise ConnectorError(f"{_where(method, url)}: too many redirects") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Retry(
                f"{_where(method, url)}: the connection broke ({type(exc).__name__})", reachable=True
            ) from None
        except httpx.TransportError as exc:
            # The text says why (refused, TLS certificate...); the address in it was checked already.
            why = str(exc)[:200] or type(exc).__name__
            raise _Retry(f"{_where(method, url)}: cannot connect ({why})", reachable=False) from None
        answer = Answer(method, response.url, response.status_code, response.headers, data, self._secrets)
        if answer.status == 429 or answer.status >= 500:
            raise _Retry(answer.failure(), reachable=True, retry_after=retry_after(answer.headers))
        return answer

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def _where(method: str, url: str) -> str:
    """For messages, built only when one is needed: the URL without its query (it may hold a key)."""
    return f"{method} {httpx.URL(url).copy_with(query=None, fragment=None)}"


def credentials(settings: HttpSettings, secrets: Mapping[str, Any]) -> dict[str, str]:
    if settings.auth_type == "bearer":
        return {"Authorization": f"Bearer {secrets.get('token', '')}"}
    if settings.auth_type == "basic":
        pair = f"{settings.username}:{secrets.get('password', '')}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode('ascii')}"}
    if settings.auth_type == "header":
        return {settings.auth_header: str(secrets.get("apiKey", ""))}
    return {}


def retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _waiter(initial: float, maximum: float) -> Any:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retry) and exc.retry_after is not None:
            return min(exc.retry_after, maximum)
        # Exponential backoff plus up to one initial delay of jitter, so clients spread out.
        backoff = initial * 2 ** (state.attempt_number - 1)
        return min(maximum, backoff + random.uniform(0, initial))

    return wait


def _log_wait(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("retrying in %.2f s (attempt %d failed): %s", wait, state.attempt_number, exc)
