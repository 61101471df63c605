"""The `http` kind's profile: its config and secrets models (api.md's contract) and the settings from them.

config:
    baseUrl            the API's root; a mapping's `extract.resource` / `load.resource` is a path under it
    auth               {type: none|bearer|basic|header, header?, username?}; the secret is in secrets
    pagination         {type: none|page|offset|cursor|next|link, ...} (below); default none
    recordsPath        dotted path to the list of records in a response ("data.items"); default: the body
    incrementalParam   query parameter that carries the incremental cursor; default: the cursor field
    timeoutSeconds     per request attempt, everything included (default 30)
    retries            {attempts (4), initialDelaySeconds (0.5), maxDelaySeconds (30)}: 429, 5xx, timeouts
    maxResponseBytes   a larger response is an error (default 32 MiB)
    write              {method?: POST|PUT|PATCH, batch (false), concurrency (4)}
    testPath           what the connection test GETs under baseUrl (default: baseUrl itself)

pagination:
    page     pageParam ("page"), startPage (1), sizeParam?, pageSize?   stops at an empty page
    offset   offsetParam ("offset"), sizeParam?, pageSize?                stops at an empty page
    cursor   cursorPath (required: where the next cursor is in the body), cursorParam ("cursor")
    next     nextPath (required: where the next page's URL is in the body)
    link     the `Link: <...>; rel="next"` response header
    all      maxPages (10000): reaching it is an error, never a silent truncation
`sizeParam` sends `pageSize` (default: the mapping's extract.batchSize) with every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from ezy.connectors.base import KindSettings

_TOKEN = "^[!#-'*+.0-9A-Z^-z|~-]+$"  # an HTTP header name (RFC 9110 token)
_URL = "^https?://[^/?#\\s]+"
PAGINATION_TYPES = ("none", "page", "offset", "cursor", "next", "link")
# The secret each auth type needs, so a profile cannot be saved half-configured.
AUTH_SECRET = {"bearer": "token", "basic": "password", "header": "apiKey"}

ParamName = Annotated[str, Field(min_length=1, max_length=100)]
BodyPath = Annotated[str, Field(max_length=500)]
Secret = Annotated[str, Field(min_length=1, max_length=500)]


# member -> the members its `type` needs (checked in `needed_members`, described in the JSON Schema).
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "auth": {"basic": ("username",), "header": ("header",)},
    "pagination": {"cursor": ("cursorPath",), "next": ("nextPath",)},
}


def _needs_schema(member: str) -> dict[str, Any]:
    return {
        "allOf": [
            {"if": {"properties": {"type": {"const": kind}}}, "then": {"required": list(names)}}
            for kind, names in NEEDS[member].items()
        ]
    }


def needed_members(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(pointer, message) for each member a given `type` needs and the config lacks."""
    missing = []
    for member, rules in NEEDS.items():
        value = config.get(member) or {}
        for name in rules.get(value.get("type", "none"), ()):
            if not value.get(name):
                missing.append(
                    (f"/config/{member}/{name}", f"{name} is required when type is {value['type']!r}")
                )
    return missing


class HttpAuth(KindSettings):
    """How requests authenticate; the secret itself is in `secrets` (token, password or apiKey)."""

    type: Literal["none", "bearer", "basic", "header"]
    header: str | None = Field(None, min_length=1, max_length=200, pattern=_TOKEN)
    username: str | None = Field(None, max_length=200)

    model_config = ConfigDict(json_schema_extra=_needs_schema("auth"))


class HttpPagination(KindSettings):
    """How the next page is found; reaching `maxPages` is an error, never a silent truncation."""

    type: Literal["none", "page", "offset", "cursor", "next", "link"]
    page_param: ParamName = "page"
    start_page: int = Field(1, ge=0, le=2**31)
    offset_param: ParamName = "offset"
    size_param: ParamName | None = Field(None, description="Sends `pageSize` with every request.")
    page_size: int | None = Field(None, ge=1, le=10_000, description="Default: the mapping's batchSize.")
    cursor_param: ParamName = "cursor"
    cursor_path: BodyPath | None = Field(
        None, min_length=1, description="Where the next cursor is in the body."
    )
    next_path: BodyPath | None = Field(
        None, min_length=1, description="Where the next page's URL is in the body."
    )
    max_pages: int = Field(10_000, ge=1, le=1_000_000)

    model_config = ConfigDict(json_schema_extra=_needs_schema("pagination"))


class HttpRetries(KindSettings):
    """Retries of 429 (after `Retry-After`), 5xx and timeouts, with exponential backoff and jitter."""

    attempts: int = Field(4, ge=1, le=10)
    initial_delay_seconds: float = Field(0.5, ge=0, le=60)
    max_delay_seconds: float = Field(30.0, ge=0, le=600)


class HttpWrite(KindSettings):
    method: Literal["POST", "PUT", "PATCH"] | None = None
    batch: bool = Field(False, description="One request per batch (a JSON array) instead of per record.")
    concurrency: int = Field(4, ge=1, le=32)


class HttpConfig(KindSettings):
    """Any JSON REST API (see the module docstring for each member)."""

    base_url: str = Field(max_length=2000, pattern=_URL)
    auth: HttpAuth = HttpAuth(type="none")
    pagination: HttpPagination = HttpPagination(type="none")
    records_path: BodyPath = Field(
        "", description='Dotted path to the records ("data.items"); default: the body.'
    )
    incremental_param: ParamName | None = Field(None, description="Default: the cursor field's name.")
    timeout_seconds: float = Field(30.0, gt=0, le=300, description="Per attempt, everything included.")
    retries: HttpRetries = HttpRetries()
    max_response_bytes: int = Field(32 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    write: HttpWrite = HttpWrite()
    test_path: BodyPath = Field("", description="What the connection test GETs under baseUrl.")


class HttpSecrets(KindSettings):
    token: Secret | None = Field(None, description="auth type bearer")
    password: Secret | None = Field(None, description="auth type basic")
    api_key: Secret | None = Field(None, description="auth type header: the header's value")


@dataclass(frozen=True, slots=True)
class Pagination:
    type: str = "none"
    page_param: str = "page"
    start_page: int = 1
    offset_param: str = "offset"
    size_param: str | None = None
    page_size: int | None = None
    cursor_param: str = "cursor"
    cursor_path: str = ""
    next_path: str = ""
    max_pages: int = 10_000


@dataclass(frozen=True, slots=True)
class Retries:
    attempts: int = 4
    initial_delay: float = 0.5
    max_delay: float = 30.0


@dataclass(frozen=True, slots=True)
class HttpSettings:
    base_url: str
    auth_type: str = "none"
    auth_header: str = ""
    username: str = ""
    pagination: Pagination = field(default_factory=Pagination)
    records_path: str = ""
    incremental_param: str | None = None
    timeout: float = 30.0
    retries: Retries = field(default_factory=Retries)
    max_response_bytes: int = 32 * 1024 * 1024
    write_method: str | None = None
    write_batch: bool = False
    write_concurrency: int = 4
    test_path: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HttpSettings:
        auth = config.get("auth") or {}
        pages = config.get("pagination") or {}
        retries = config.get("retries") or {}
        write = config.get("write") or {}
        return cls(
            base_url=str(config["baseUrl"]),
            auth_type=auth.get("type", "none"),
            auth_header=auth.get("header", ""),
            username=auth.get("username", ""),
            pagination=Pagination(
                type=pages.get("type", "none"),
                page_param=pages.get("pageParam", "page"),
                start_page=int(pages.get("startPage", 1)),
                offset_param=pages.get("offsetParam", "offset"),
                size_param=pages.get("sizeParam"),
                page_size=pages.get("pageSize"),
                cursor_param=pages.get("cursorParam", "cursor"),
                cursor_path=pages.get("cursorPath") or "",
                next_path=pages.get("nextPath") or "",
                max_pages=int(pages.get("maxPages", 10_000)),
            ),
            records_path=config.get("recordsPath", ""),
            incremental_param=config.get("incrementalParam"),
            timeout=float(config.get("timeoutSeconds", 30.0)),
            retries=Retries(
                attempts=int(retries.get("attempts", 4)),
                initial_delay=float(retries.get("initialDelaySeconds", 0.5)),
                max_delay=float(retries.get("maxDelaySeconds", 30.0)),
            ),
            max_response_bytes=int(config.get("maxResponseBytes", 32 * 1024 * 1024)),
            write_method=write.get("method"),
            write_batch=bool(write.get("batch", False)),
            write_concurrency=int(write.get("concurrency", 4)),
            test_path=config.get("testPath", ""),
        )
