"""A full Shopify read through a bulk operation (the fake store runs them as Shopify does): the same
records as the paged read, and every way it can go wrong a clear error within a bound."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest

from ezy.connectors._http_transport import ResponseTooLarge
from ezy.connectors._shopify_bulk import RUN, BulkFailed, BulkSettings
from ezy.connectors.base import Page
from ezy.connectors.sample import SampleConnector
from ezy.connectors.shopify import DEFAULT_BULK_THRESHOLD, ShopifyConnector
from tests.connectors.conftest import fixture
from tests.fakes.shopify import VERSION, FakeStore, admin_schema

FAST = BulkSettings(poll_interval=0.01, max_poll_interval=0.05, max_wait=10)


def shop(store: FakeStore, *, bulk: BulkSettings = FAST, **config: Any) -> ShopifyConnector:
    profile = {"shopDomain": store.domain, "apiVersion": VERSION, "endpoint": store.base_url, **config}
    return ShopifyConnector(profile, {"accessToken": store.token}, allow_private_networks=True, bulk=bulk)


async def read_all(source: ShopifyConnector, resource: str, **kwargs: Any) -> list[Page]:
    try:
        return [page async for page in source.read(resource, **kwargs)]
    finally:
        await source.close()


def records(pages: list[Page]) -> list[Any]:
    return [r for page in pages for r in page.records]


async def test_a_first_sync_of_thousands_of_products_gives_exactly_the_paged_records(
    shopify_store: FakeStore,
) -> None:
    many_variants = {
        **fixture("products_create"),
        "id": 42,
        "variants": [{"id": 1000 + i, "price": "1.00", "sku": f"V{i}"} for i in range(130)],
    }
    huge_id = {**fixture("products_create"), "id": 2**53 + 1, "handle": "huge"}
    generated = SampleConnector({"count": DEFAULT_BULK_THRESHOLD, "seed": 11})
    shopify_store.products = [
        *generated.generate("products", 0, DEFAULT_BULK_THRESHOLD),
        many_variants,
        huge_id,
    ]
    shopify_store.restore_rate = 1e9
    paged = await read_all(shop(shopify_store, bulkThreshold=0), "products", batch_size=250)
    assert shopify_store.bulk_operations == []
    bulk = await read_all(shop(shopify_store), "products", batch_size=250)  # the default threshold
    assert len(shopify_store.bulk_operations) == 1 and len(shopify_store.bulk_downloads) == 1
    assert records(bulk) == records(paged)  # same records, same order, same shape
    assert len(records(bulk)) == DEFAULT_BULK_THRESHOLD + 2
    assert all(0 < len(page.records) <= 250 for page in bulk)  # streamed in batches
    by_id = {p["id"]: p for p in records(bulk)}
    assert [v["sku"] for v in by_id[42]["variants"]] == [f"V{i}" for i in range(130)]
    assert by_id[2**53 + 1]["variants"][0]["product_id"] == 2**53 + 1  # exact, never a float
    assert shopify_store.invalid == []  # the bulk query too was valid against 2025-01


@pytest.mark.parametrize("resource", ["orders", "customers", "inventory_levels"])
async def test_other_resources_read_in_bulk_equal_their_paged_read(
    shopify_store: FakeStore, resource: str
) -> None:
    level = fixture("inventory_levels_update")
    shopify_store.inventory_levels = [
        {**level, "inventory_item_id": 2**53 + 3, "location_id": 100 + n, "available": n} for n in range(30)
    ] + [level]
    paged = await read_all(shop(shopify_store, bulkThreshold=0), resource)
    bulk = await read_all(shop(shopify_store, bulkThreshold=1), resource)
    assert records(bulk) == records(paged) and len(records(bulk)) > 10
    assert len(shopify_store.bulk_operations) == 1 and shopify_store.invalid == []


async def test_a_store_below_the_threshold_and_an_incremental_read_page_as_before(
    shopify_store: FakeStore,
) -> None:
    await read_all(shop(shopify_store, bulkThreshold=32), "products")  # 31 products
    cursor = "2026-01-01T00:00:00Z"
    pages = await read_all(
        shop(shopify_store, bulkThreshold=1), "products", cursor=cursor, cursor_field="updated_at"
    )
    assert shopify_store.bulk_operations == [] and records(pages)


async def test_the_cursor_comes_with_the_last_page_only(shopify_store: FakeStore) -> None:
    pages = await read_all(shop(shopify_store, bulkThreshold=1), "products", cursor_field="updated_at")
    assert [p.cursor for p in pages[:-1]] == [None] * (len(pages) - 1)
    newest = max(p["updated_at"] for p in shopify_store.products)
    assert pages[-1].cursor is not None and pages[-1].cursor[:19] <= newest[:19]


async def test_a_filter_that_matches_nothing_reads_nothing(shopify_store: FakeStore) -> None:
    pages = await read_all(
        shop(shopify_store, bulkThreshold=1),
        "products",
        params={"updated_at": ">='2099-01-01T00:00:00+00:00'"},
    )
    assert records(pages) == [] and shopify_store.bulk_operations == []  # the count said 0


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("FAILED", r"bulk operation gid://shopify/BulkOperation/1 reading products failed \(INTERNAL_SERVER"),
        ("CANCELED", r"reading products was cancelled \(CANCELED\) before it completed"),
        ("EXPIRED", r"reading products expired \(EXPIRED\) before it completed"),
    ],
)
async def test_a_bulk_operation_that_does_not_complete_is_a_clear_error(
    shopify_store: FakeStore, outcome: str, message: str
) -> None:
    shopify_store.bulk_outcome = outcome
    with pytest.raises(BulkFailed, match=message):
        await read_all(shop(shopify_store, bulkThreshold=1), "products")
    assert shopify_store.bulk_downloads == [] and shopify_store.bulk_cancelled == 0


async def test_a_bulk_operation_without_the_scope_fails_saying_so(shopify_store: FakeStore) -> None:
    shopify_store.inventory_levels = [fixture("inventory_levels_update")]
    shopify_store.scopes = ["read_products"]  # counts variants, cannot read inventory
    with pytest.raises(BulkFailed, match=r"failed \(ACCESS_DENIED: the access token lacks a scope"):
        await read_all(shop(shopify_store, bulkThreshold=1), "inventory_levels")


async def test_a_bulk_operation_that_never_completes_ends_within_the_bound(shopify_store: FakeStore) -> None:
    shopify_store.bulk_polls = 10**9
    started = time.perf_counter()
    with pytest.raises(BulkFailed, match=r"did not complete within 0.5 s \(still RUNNING.*it was cancelled"):
        await read_all(shop(shopify_store, bulkThreshold=1, bulk=BulkSettings(0.05, 0.1, 0.5)), "products")
    assert time.perf_counter() - started < 3
    assert shopify_store.bulk_cancelled == 1 and shopify_store.bulk_operations[0].status == "CANCELED"


async def test_one_bulk_operation_at_a_time(shopify_store: FakeStore) -> None:
    shopify_store.bulk_polls = 10**9
    with pytest.raises(BulkFailed):
        await read_all(shop(shopify_store, bulkThreshold=1, bulk=BulkSettings(0.01, 0.01, 0.05)), "products")
    shopify_store.bulk_operations[0].status = "RUNNING"  # as if the cancel had not gone through
    with pytest.raises(BulkFailed, match=r"refused a bulk operation reading products: .*already in progress"):
        await read_all(shop(shopify_store, bulkThreshold=1), "products")


def _break(index: int, replacement: bytes) -> Any:
    def tamper(lines: list[bytes]) -> list[bytes]:
        lines[index] = replacement
        return lines

    return tamper


def _without_title(lines: list[bytes]) -> list[bytes]:
    first = json.loads(lines[0])
    del first["title"]
    return [json.dumps(first).encode(), *lines[1:]]


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        pytest.param(
            _break(5, b'{"id": "gid://shopify/Product/1", "title": '), r"line 6 .* not JSON", id="json"
        ),
        pytest.param(_break(5, b"[1, 2]"), r"line 6 .* is not an object", id="not-object"),
        pytest.param(_break(5, b'{"id": "gid://x/\xff"}'), r"line 6 .* is not UTF-8", id="not-utf8"),
        pytest.param(
            lambda lines: lines[1:],  # the first product's line is lost: its variants have no parent
            r"line 1 .* belongs to gid://shopify/Product/\d+, which is not the object it follows",
            id="orphan",
        ),
        pytest.param(
            _without_title,
            r"line 1 of the bulk operation's result \(gid://shopify/Product/\d+\) cannot be read: KeyError",
            id="missing-field",
        ),
    ],
)
async def test_a_malformed_result_stops_the_read_at_its_line(
    shopify_store: FakeStore, tamper: Any, message: str
) -> None:
    good = records(await read_all(shop(shopify_store, bulkThreshold=0), "products"))
    shopify_store.bulk_tamper = tamper
    seen: list[Any] = []
    source = shop(shopify_store, bulkThreshold=1)
    with pytest.raises(BulkFailed, match=message):
        async for page in source.read("products", batch_size=1):
            seen.extend(page.records)
    await source.close()
    # What came before the bad line came whole and in order; nothing after it came at all.
    assert seen == good[: len(seen)] and len(seen) < 3


async def test_a_result_over_the_size_cap_is_refused(shopify_store: FakeStore) -> None:
    settings = BulkSettings(poll_interval=0.01, max_bytes=4_000)
    with pytest.raises(ResponseTooLarge, match="more than the 4000 allowed"):
        await read_all(shop(shopify_store, bulkThreshold=1, bulk=settings), "products")


async def test_the_download_never_carries_the_access_token(shopify_store: FakeStore) -> None:
    await read_all(shop(shopify_store, bulkThreshold=1), "products")
    (headers,) = shopify_store.bulk_downloads
    assert {k.lower() for k in headers} & {"x-shopify-access-token", "authorization"} == set()


async def test_every_read_logs_its_throttling_and_retries(
    shopify_store: FakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ezy.connectors.shopify")
    shopify_store.products = shopify_store.products[:8]  # one page of about 826 points...
    shopify_store.restore_rate = 1_000.0  # ...that a drained bucket refuses once
    admin_schema()  # loaded before the bucket is drained: it takes a while
    shopify_store.drain()
    await read_all(shop(shopify_store, bulkThreshold=0), "products")
    shopify_store.faults = [503]  # answered once, then tried again
    await read_all(shop(shopify_store, bulkThreshold=0), "products")
    await read_all(shop(shopify_store, bulkThreshold=1), "products")
    lines = [r for r in caplog.records if r.getMessage().startswith("read 8 products")]
    throttled, retried, bulk = [line.__dict__["shopify"] for line in lines]
    assert throttled | {"ms": 0, "throttledMs": 0} == {
        "resource": "products",
        "channel": "paged",
        "records": 8,
        "ms": 0,
        "throttled": 1,
        "throttledMs": 0,
        "retries": 0,
        "bulkOperation": None,
        "bulkPolls": 0,
    }
    assert throttled["throttledMs"] > 100 and "1 THROTTLED answers, " in lines[0].getMessage()
    assert retried["retries"] == 1 and "1 retried requests" in lines[1].getMessage()
    assert bulk["channel"] == "bulk" and bulk["bulkPolls"] == 3
    assert bulk["bulkOperation"] == "gid://shopify/BulkOperation/1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ shop { name } }", "it must contain at least one connection"),
        (
            "{ products { edges { node { title variants { edges { node { id } } } } } } }",
            "the parent of a nested connection must select the `id` field",
        ),
        ("{ products { edges { node { nope } } } }", "Cannot query field 'nope'"),
    ],
)
async def test_the_stand_in_refuses_the_bulk_queries_shopify_refuses(
    shopify_store: FakeStore, query: str, message: str
) -> None:
    url = f"{shopify_store.base_url}/admin/api/{VERSION}/graphql.json"
    async with httpx.AsyncClient(headers={"X-Shopify-Access-Token": shopify_store.token}) as client:
        answer = (await client.post(url, json={"query": RUN, "variables": {"query": query}})).json()
    (error,) = answer["data"]["bulkOperationRunQuery"]["userErrors"]
    assert error["code"] == "INVALID" and message in error["message"]
    assert shopify_store.bulk_operations == []
