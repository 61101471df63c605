"""The `shopify` connector against the fake Admin GraphQL store (queries validated against the
published 2025-01 schema, cost-based throttling as Shopify documents it)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ezy.connectors._shopify_throttle import ThrottleNeverClears
from ezy.connectors.base import ConnectorError, Page
from ezy.connectors.shopify import ShopifyConnector
from ezy.pipeline import preview
from tests.connectors.conftest import fixture
from tests.fakes.shopify import VERSION, FakeStore


def shop(
    store: FakeStore, token: str | None = None, version: str = VERSION, **kwargs: Any
) -> ShopifyConnector:
    config = {"shopDomain": store.domain, "apiVersion": version, "endpoint": store.base_url}
    secrets = {"accessToken": token or store.token}
    return ShopifyConnector(config, secrets, allow_private_networks=True, **kwargs)


async def read_all(source: ShopifyConnector, resource: str, **kwargs: Any) -> list[Page]:
    try:
        return [page async for page in source.read(resource, **kwargs)]
    finally:
        await source.close()


async def test_the_connection_test_names_shop_version_and_scopes(shopify_store: FakeStore) -> None:
    result = await shop(shopify_store).test()
    assert result.ok, result.detail
    assert result.detail == (
        "shop 'Fake Store' (fake-store.myshopify.com), API version 2025-01, "
        "scopes: read_products, read_orders, read_customers, read_inventory"
    )


@pytest.mark.parametrize(
    ("token", "version", "message"),
    [
        pytest.param("shpat_wrong", VERSION, "Shopify refused the access token (HTTP 401", id="bad-token"),
        pytest.param(None, "2019-04", "no such shop or API version 2019-04", id="unknown-shop-or-version"),
    ],
)
async def test_a_failed_connection_test_says_why_without_the_token(
    shopify_store: FakeStore, token: str | None, version: str, message: str
) -> None:
    result = await shop(shopify_store, token, version).test()
    assert not result.ok and message in result.detail and "shpat_wrong" not in result.detail


async def test_a_missing_scope_is_a_clear_error(shopify_store: FakeStore) -> None:
    shopify_store.scopes = ["read_customers"]
    with pytest.raises(ConnectorError, match=r"lacks a scope: Access denied for products.*read_products"):
        await read_all(shop(shopify_store), "products")


async def test_products_arrive_in_webhook_shape_once_each_with_exact_ids(shopify_store: FakeStore) -> None:
    big = {**fixture("products_create"), "id": 2**53 + 1, "variants": []}
    shopify_store.products.append(big)
    pages = await read_all(shop(shopify_store), "products", batch_size=250)
    products = [r for page in pages for r in page.records]
    assert sorted(p["id"] for p in products) == sorted(p["id"] for p in shopify_store.products)
    assert 2**53 + 1 in {p["id"] for p in products}  # exact, never through a float
    assert len(pages) == 4  # 32 products, 8 a page: what keeps a page under the 1000-point limit
    first = next(p for p in products if p["id"] == 7_000_000_000)
    assert isinstance(first["variants"], list) and first["variants"][0]["product_id"] == 7_000_000_000
    assert isinstance(first["variants"][0]["price"], str) and first["status"] == "active"
    assert shopify_store.invalid == []  # every query validated against the 2025-01 schema


async def test_a_product_with_many_variants_keeps_them_all(shopify_store: FakeStore) -> None:
    many = {
        **fixture("products_create"),
        "id": 42,
        "variants": [{"id": 1000 + i, "price": "1.00", "sku": f"V{i}"} for i in range(130)],
    }
    shopify_store.products = [many]
    (page,) = await read_all(shop(shopify_store), "products")
    assert [v["sku"] for v in page.records[0]["variants"]] == [f"V{i}" for i in range(130)]


async def test_polled_and_webhook_products_map_to_the_same_output(shopify_store: FakeStore) -> None:
    webhook = fixture("products_create")
    pages = await read_all(shop(shopify_store), "products")
    polled = next(r for page in pages for r in page.records if r["id"] == webhook["id"])
    legacy = {"images", "requires_shipping", "grams", "inventory_management", "fulfillment_service"}
    assert set(webhook) - legacy <= set(polled)
    assert set(webhook["variants"][0]) - legacy <= set(polled["variants"][0])
    document = {
        "version": 1,
        "normalize": {"timestamps": ["updated_at", "created_at"]},
        "transform": {
            "key": "id",
            "fields": {
                "id": "id",
                "title": "title",
                "vendor": "vendor",
                "tags": "tags",
                "updatedAt": "updated_at",
                "skus": "variants.sku",
                "prices": "variants.price",
                "stock": "variants.inventory_quantity",
            },
        },
    }
    from_webhook, from_polling = preview(document, [webhook, polled])
    assert from_webhook["stoppedAt"] is None and from_webhook["output"] == from_polling["output"]


async def test_reads_are_paced_by_query_cost_and_never_throttled(shopify_store: FakeStore) -> None:
    source = shop(shopify_store)
    pages = await read_all(source, "products")
    assert sum(len(p.records) for p in pages) == 31
    assert shopify_store.throttled == 0 and source.bucket.waited > 0


async def test_a_throttled_request_waits_for_the_bucket_and_is_not_throttled_twice(
    shopify_store: FakeStore,
) -> None:
    shopify_store.products = shopify_store.products[:8]  # one page of about 826 points
    shopify_store.restore_rate = 1_000.0  # refilling it takes most of a second: the first try is refused
    source = shop(shopify_store)
    shopify_store.drain()
    pages = await read_all(source, "products")
    assert sum(len(p.records) for p in pages) == 8
    assert shopify_store.throttled == 1 and source.throttled == 1


async def test_a_throttle_that_never_clears_fails_within_the_bound(shopify_store: FakeStore) -> None:
    shopify_store.restore_rate = 0.01
    shopify_store.drain()
    started = time.perf_counter()
    with pytest.raises(ThrottleNeverClears, match="more than 5 s"):
        await read_all(shop(shopify_store, max_throttle_wait=5), "products")
    assert time.perf_counter() - started < 2


async def test_incremental_reads_ask_for_updates_since_the_cursor_with_an_overlap(
    shopify_store: FakeStore,
) -> None:
    everything = [r for page in await read_all(shop(shopify_store), "customers") for r in page.records]
    cursor = sorted(everything, key=lambda c: c["updated_at"])[7]["updated_at"]
    pages = await read_all(shop(shopify_store), "customers", cursor=cursor, cursor_field="updated_at")
    again = [r for page in pages for r in page.records]
    assert "updated_at:>=" in shopify_store.requests[-1]["variables"]["query"]
    assert 4 <= len(again) < len(everything)  # the later ones, plus the one-minute overlap
    assert pages[-1].cursor == max(c["updated_at"] for c in everything)


async def test_orders_arrive_in_webhook_shape_with_every_line_item(shopify_store: FakeStore) -> None:
    big = {
        **shopify_store.orders[0],
        "id": 2**60,
        "line_items": [
            {
                "id": 10_000 + i,
                "title": f"L{i}",
                "sku": f"S{i}",
                "quantity": 1,
                "price": "2.50",
                "product_id": 7,
                "variant_id": 70,
            }
            for i in range(60)
        ],
    }
    shopify_store.orders.append(big)
    pages = await read_all(shop(shopify_store), "orders")
    orders = {o["id"]: o for page in pages for o in page.records}
    assert set(orders) == {o["id"] for o in shopify_store.orders}
    assert [li["sku"] for li in orders[2**60]["line_items"]] == [f"S{i}" for i in range(60)]
    webhook = fixture("orders_create")
    polled = orders[webhook["id"]]
    for key in ("id", "name", "email", "currency", "total_price", "subtotal_price", "financial_status"):
        assert polled[key] == webhook[key], key
    same = [(li["id"], li["sku"], li["quantity"], li["price"]) for li in webhook["line_items"]]
    assert [(li["id"], li["sku"], li["quantity"], li["price"]) for li in polled["line_items"]] == same
    assert polled["customer"]["id"] == webhook["customer"]["id"] and shopify_store.invalid == []


async def test_inventory_levels_arrive_one_per_item_and_location_like_the_webhook(
    shopify_store: FakeStore,
) -> None:
    webhook = fixture("inventory_levels_update")
    many = [
        {
            "inventory_item_id": 2**53 + 3,
            "location_id": 100 + n,
            "available": n,
            "updated_at": webhook["updated_at"],
        }
        for n in range(30)
    ]
    shopify_store.inventory_levels = [webhook, *many]
    pages = await read_all(shop(shopify_store), "inventory_levels")
    levels = [r for page in pages for r in page.records]
    assert len(levels) == 31 and shopify_store.invalid == []
    first = levels[0]
    assert set(webhook) <= set(first)
    assert {k: first[k] for k in ("inventory_item_id", "location_id", "available")} == {
        k: webhook[k] for k in ("inventory_item_id", "location_id", "available")
    }
    assert [(r["location_id"], r["available"]) for r in levels[1:]] == [(100 + n, n) for n in range(30)]
    assert {r["inventory_item_id"] for r in levels[1:]} == {2**53 + 3}  # 30 levels: past the first 20


async def test_inventory_levels_refuse_an_incremental_read(shopify_store: FakeStore) -> None:
    with pytest.raises(ConnectorError, match="read in full"):
        await read_all(
            shop(shopify_store), "inventory_levels", cursor="2026-01-01T00:00:00Z", cursor_field="updated_at"
        )
