"""The `http` connector as a source, talking HTTP to the fake REST API on loopback."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ezy.connectors.base import ConnectorError, TransientError
from tests.connectors.http_helpers import connector, read_all
from tests.fakes.rest_api import Fault, RestApi

STYLES = [
    pytest.param(
        "page/products",
        {"pagination": {"type": "page", "sizeParam": "per_page", "pageSize": 10}, "recordsPath": "data"},
        id="page-number",
    ),
    pytest.param(
        "offset/products",
        {"pagination": {"type": "offset", "sizeParam": "limit"}, "recordsPath": "data"},
        id="offset",
    ),
    pytest.param(
        "cursor/products",
        {
            "pagination": {"type": "cursor", "cursorPath": "next_cursor", "sizeParam": "limit"},
            "recordsPath": "data",
        },
        id="cursor-in-body",
    ),
    pytest.param(
        "next/products",
        {"pagination": {"type": "next", "nextPath": "next", "sizeParam": "limit"}, "recordsPath": "results"},
        id="next-url-in-body",
    ),
    pytest.param(
        "link/products", {"pagination": {"type": "link", "sizeParam": "per_page"}}, id="link-header"
    ),
    pytest.param("plain/products", {}, id="no-pagination"),
]


@pytest.mark.parametrize(("resource", "config"), STYLES)
async def test_every_pagination_style_reads_each_record_once_with_exact_ids(
    rest_api: RestApi, resource: str, config: dict[str, Any]
) -> None:
    pages = await read_all(connector(rest_api, **config), resource, batch_size=10)
    ids = [r["id"] for page in pages for r in page.records]
    assert ids == [9_007_199_254_740_993 + i for i in range(95)]  # above 2^53, still exact
    if resource != "plain/products":
        assert len(pages) >= 10  # really paged, ten records at a time


async def test_the_incremental_cursor_goes_out_as_a_query_parameter(rest_api: RestApi) -> None:
    source = connector(
        rest_api, pagination={"type": "link", "sizeParam": "per_page"}, incrementalParam="updated_since"
    )
    pages = await read_all(
        source, "link/products", cursor="2026-01-01T00:01:19Z", cursor_field="updated_at", batch_size=10
    )
    records = [r for page in pages for r in page.records]
    assert [r["sku"] for r in records] == [f"SKU-{i}" for i in range(80, 95)]
    assert rest_api.gets()[0].query["updated_since"] == "2026-01-01T00:01:19Z"
    assert pages[-1].cursor == "2026-01-01T00:01:34Z"  # the greatest updated_at read


@pytest.mark.parametrize(
    ("auth", "secrets", "header", "value"),
    [
        pytest.param(
            {"type": "bearer"}, {"token": "t0ken-1"}, "Authorization", "Bearer t0ken-1", id="bearer"
        ),
        pytest.param(
            {"type": "basic", "username": "me"},
            {"password": "pw-123"},
            "Authorization",
            "Basic bWU6cHctMTIz",
            id="basic",
        ),
        pytest.param(
            {"type": "header", "header": "X-Api-Key"},
            {"apiKey": "k-42-k"},
            "X-Api-Key",
            "k-42-k",
            id="api-key",
        ),
    ],
)
async def test_each_auth_type_is_sent(
    rest_api: RestApi, auth: dict[str, Any], secrets: dict[str, str], header: str, value: str
) -> None:
    rest_api.require = {header: value}
    pages = await read_all(connector(rest_api, secrets, auth=auth), "plain/products")
    assert len(pages[0].records) == 95


async def test_refused_credentials_are_a_clear_error_that_quotes_no_secret(rest_api: RestApi) -> None:
    rest_api.require = {"Authorization": "Bearer right"}
    with pytest.raises(ConnectorError, match="refused the credentials: HTTP 401") as raised:
        await read_all(
            connector(rest_api, {"token": "wrong-token"}, auth={"type": "bearer"}), "plain/products"
        )
    assert "wrong-token" not in str(raised.value)


async def test_429_waits_for_retry_after_and_then_reads(rest_api: RestApi) -> None:
    rest_api.inject(Fault(429, b'{"error": "slow down"}', headers={"Retry-After": "0.2"}, times=2))
    started = time.perf_counter()
    pages = await read_all(
        connector(rest_api, retries={"attempts": 3, "maxDelaySeconds": 1}), "plain/products"
    )
    assert len(pages[0].records) == 95 and len(rest_api.gets()) == 3
    assert time.perf_counter() - started >= 0.4  # it waited as told, twice


async def test_an_html_5xx_is_retried_then_read(rest_api: RestApi) -> None:
    rest_api.inject(Fault(502, b"<html><h1>Bad Gateway</h1></html>", "text/html", times=2))
    pages = await read_all(connector(rest_api), "plain/products")
    assert len(pages[0].records) == 95 and len(rest_api.gets()) == 3


async def test_a_5xx_on_every_attempt_is_a_transient_error_with_an_excerpt(rest_api: RestApi) -> None:
    rest_api.inject(Fault(503, b"<html><h1>Down for maintenance</h1></html>", "text/html", times=9))
    with pytest.raises(TransientError, match=r"HTTP 503 .*Down for maintenance"):
        await read_all(connector(rest_api), "plain/products")
    assert len(rest_api.gets()) == 3


async def test_a_remote_that_never_answers_times_out_on_each_attempt(rest_api: RestApi) -> None:
    rest_api.inject(Fault(delay=5, times=2))
    started = time.perf_counter()
    with pytest.raises(TransientError, match=r"timed out after 0\.3 s"):
        await read_all(
            connector(rest_api, timeoutSeconds=0.3, retries={"attempts": 2, "initialDelaySeconds": 0}),
            "plain/products",
        )
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("fault", "config", "message"),
    [
        pytest.param(
            Fault(200, b'{"data": [1,'), {"recordsPath": "data"}, "is not JSON", id="malformed-json"
        ),
        pytest.param(
            Fault(200, b"<html><body>Login</body></html>", "text/html"),
            {},
            r"is not JSON \(text/html\)",
            id="html",
        ),
        pytest.param(Fault(200, b'{"data": ["\xff\xfe caf\xe9"]}'), {}, "not valid UTF-8", id="non-utf8"),
        pytest.param(
            Fault(200, b'{"items": []}'),
            {"recordsPath": "data.items"},
            "matches nothing",
            id="records-path-misses",
        ),
        pytest.param(
            Fault(200, b'{"data": []}'), {}, r"an object, not a list.*\(its keys: data\)", id="object-no-path"
        ),
        pytest.param(
            Fault(200, b"x" * 5000), {"maxResponseBytes": 2048}, "more than the 2048 allowed", id="huge"
        ),
    ],
)
async def test_bad_remote_input_is_a_clear_error(
    rest_api: RestApi, fault: Fault, config: dict[str, Any], message: str
) -> None:
    rest_api.inject(fault)
    with pytest.raises(ConnectorError, match=message):
        await read_all(connector(rest_api, **config), "plain/products")


async def test_a_looping_cursor_stops_with_an_error(rest_api: RestApi) -> None:
    rest_api.loop_cursor = True
    config: dict[str, Any] = {
        "pagination": {"type": "cursor", "cursorPath": "next_cursor"},
        "recordsPath": "data",
    }
    with pytest.raises(ConnectorError, match="pagination loops"):
        await read_all(connector(rest_api, **config), "cursor/products", batch_size=10)
    assert len(rest_api.gets()) == 2  # the repeated cursor is never requested


async def test_an_api_that_ignores_the_page_parameter_stops_with_an_error(rest_api: RestApi) -> None:
    rest_api.ignore_paging = True
    config: dict[str, Any] = {"pagination": {"type": "page", "sizeParam": "per_page"}, "recordsPath": "data"}
    with pytest.raises(ConnectorError, match="page 2 is the same as page 1"):
        await read_all(connector(rest_api, **config), "page/products", batch_size=10)


async def test_the_page_cap_stops_with_an_error(rest_api: RestApi) -> None:
    config: dict[str, Any] = {
        "pagination": {"type": "page", "sizeParam": "per_page", "maxPages": 3},
        "recordsPath": "data",
    }
    with pytest.raises(ConnectorError, match=r"maxPages \(3\)"):
        await read_all(connector(rest_api, **config), "page/products", batch_size=10)
    assert len(rest_api.gets()) == 3


async def test_each_retry_is_logged_with_its_wait_and_cause(
    rest_api: RestApi, caplog: pytest.LogCaptureFixture
) -> None:
    rest_api.inject(Fault(429, b"{}", headers={"Retry-After": "0"}))
    with caplog.at_level("WARNING", logger="ezy.connectors.http"):
        await read_all(connector(rest_api), "plain/products")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "ezy.connectors.http"]
    assert line.startswith("retrying in 0.00 s (attempt 1 failed): HTTP 429 from GET ")
