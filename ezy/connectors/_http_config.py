"""The `http` kind's profile: its JSON Schemas (the contract in api.md) and the settings read from them.

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
from typing import Any

Schema = Mapping[str, Any]
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_SECRET = {"type": "string", "minLength": 1, "maxLength": 500}
_URL = {"type": "string", "maxLength": 2000, "pattern": "^https?://[^/?#\\s]+"}
_PATH = {"type": "string", "maxLength": 500}
_TOKEN = "^[!#-'*+.0-9A-Z^-z|~-]+$"  # an HTTP header name (RFC 9110 token)
PAGINATION_TYPES = ("none", "page", "offset", "cursor", "next", "link")


def _needs(kind: str, *names: str) -> dict[str, Any]:
    return {"if": {"properties": {"type": {"const": kind}}}, "then": {"required": list(names)}}


CONFIG_SCHEMA: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["baseUrl"],
    "properties": {
        "baseUrl": _URL,
        "auth": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {
                "type": {"enum": ["none", "bearer", "basic", "header"]},
                "header": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "pattern": "^[!#-'*+.0-9A-Z^-z|~-]+$",
                },
                "username": {"type": "string", "maxLength": 200},
            },
            "allOf": [_needs("basic", "username"), _needs("header", "header")],
        },
        "pagination": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {
                "type": {"enum": list(PAGINATION_TYPES)},
                "pageParam": _NAME,
                "startPage": {"type": "integer", "minimum": 0},
                "offsetParam": _NAME,
                "sizeParam": _NAME,
                "pageSize": {"type": "integer", "minimum": 1, "maximum": 10_000},
                "cursorParam": _NAME,
                "cursorPath": {**_PATH, "minLength": 1},
                "nextPath": {**_PATH, "minLength": 1},
                "maxPages": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            },
            "allOf": [_needs("cursor", "cursorPath"), _needs("next", "nextPath")],
        },
        "recordsPath": _PATH,
        "incrementalParam": _NAME,
        "timeoutSeconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
        "retries": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "attempts": {"type": "integer", "minimum": 1, "maximum": 10},
                "initialDelaySeconds": {"type": "number", "minimum": 0, "maximum": 60},
                "maxDelaySeconds": {"type": "number", "minimum": 0, "maximum": 600},
            },
        },
        "maxResponseBytes": {"type": "integer", "minimum": 1024, "maximum": 256 * 1024 * 1024},
        "write": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["POST", "PUT", "PATCH"]},
                "batch": {"type": "boolean"},
                "concurrency": {"type": "integer", "minimum": 1, "maximum": 32},
            },
        },
        "testPath": _PATH,
    },
}
SECRETS_SCHEMA: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"token": _SECRET, "password": _SECRET, "apiKey": _SECRET},
}
# The secret each auth type needs, so a profile cannot be saved half-configured.
AUTH_SECRET = {"bearer": "token", "basic": "password", "header": "apiKey"}


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
                cursor_path=pages.get("cursorPath", ""),
                next_path=pages.get("nextPath", ""),
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
