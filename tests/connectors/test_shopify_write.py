"""The `shopify` connector as a target: mutations validated against the 2025-01 schema, one result
per record, `userErrors` as rejections naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from ezy.connectors.base import ConnectorError, WriteResult
from tests.connectors.conftest import fixture
from tests.connectors.test_shopify import read_all, shop
from tests.fakes.shopify import FakeStore

NEW = {
    "title": "Linen Shirt",
    "body_html": "<p>Cool.</p>",
    "vendor": "Acme",
    "product_type": "Shirt",
    "tags": "summer, linen",
    "status": "draft",
    "options": [{"name": "Size"}],
    "variants": [
        {"sku": "LS-S", "price": "39.00", "option1": "S"},
        {"sku": "LS-M", "price": 41.5, "option1": "M", "compare_at_price": "50.00"},
    ],
}


async def write(
    store: FakeStore, resource: str, records: list[dict[str, Any]], mode: Any = "upsert"
) -> list[WriteResult]:
    target = shop(store)
    try:
        return await target.write(resource, records, mode=mode, keys=["id"])
    finally:
        await target.close()


async def test_a_product_without_id_is_created_with_its_variants(shopify_store: FakeStore) -> None:
    before = len(shopify_store.products)
    (result,) = await write(shopify_store, "products", [NEW])
    assert result.ok and len(shopify_store.products) == before + 1
    created = shopify_store.products[-1]
    assert (created["title"], created["status"], created["tags"]) == ("Linen Shirt", "draft", "summer, linen")
    variants = [(v["sku"], v["price"], v["option1"]) for v in created["variants"]]
    assert variants == [("LS-S", "39.00", "S"), ("LS-M", "41.50", "M")]  # the placeholder variant is gone
    assert shopify_store.invalid == []


async def test_a_product_read_from_the_store_is_updated_in_place(shopify_store: FakeStore) -> None:
    webhook = fixture("products_create")
    product = {**webhook, "title": "iPod Nano 9", "variants": [{**webhook["variants"][0], "price": "149.00"}]}
    (result,) = await write(shopify_store, "products", [product])
    assert result.ok
    stored = next(p for p in shopify_store.products if p["id"] == webhook["id"])
    assert stored["title"] == "iPod Nano 9" and stored["variants"][0]["price"] == "149.00"
    assert stored["variants"][1]["price"] == "199.00"  # variants not sent are left alone


@pytest.mark.parametrize(
    ("record", "message"),
    [
        pytest.param({**NEW, "title": " "}, "title: Title can't be blank", id="blank-title"),
        pytest.param({**NEW, "id": 123}, "id: Product does not exist", id="unknown-product"),
        pytest.param(
            {**NEW, "variants": [{"sku": "X", "price": "-1"}]},
            "variants.0.price: Price must be a non-negative decimal (product 8000000000001 was created",
            id="bad-variant-price",
        ),
    ],
)
async def test_user_errors_reject_only_their_record_naming_the_field(
    shopify_store: FakeStore, record: dict[str, Any], message: str
) -> None:
    results = await write(shopify_store, "products", [record, NEW])
    assert not results[0].ok and results[0].code == "load_rejected" and message in (results[0].message or "")
    assert results[1].ok


async def test_update_mode_needs_an_id_and_insert_mode_always_creates(shopify_store: FakeStore) -> None:
    webhook = fixture("products_create")
    (needs_id,) = await write(shopify_store, "products", [NEW], mode="update")
    assert not needs_id.ok and "needs the product's id" in (needs_id.message or "")
    before = len(shopify_store.products)
    (created,) = await write(shopify_store, "products", [{**webhook, "title": "Copy"}], mode="insert")
    assert created.ok and len(shopify_store.products) == before + 1


async def test_inventory_quantities_are_set_and_unknown_items_rejected(shopify_store: FakeStore) -> None:
    level = fixture("inventory_levels_update")
    shopify_store.inventory_levels = [dict(level)]
    results = await write(
        shopify_store,
        "inventory_levels",
        [
            {
                "inventory_item_id": level["inventory_item_id"],
                "location_id": level["location_id"],
                "available": 42,
            },
            {"inventory_item_id": 1, "location_id": level["location_id"], "available": 1},
            {"inventory_item_id": level["inventory_item_id"], "location_id": 7, "available": "many"},
        ],
    )
    assert [r.ok for r in results] == [True, False, False]
    assert "inventoryItemId: The specified inventory item could not be found." in (results[1].message or "")
    assert "not a whole number" in (results[2].message or "")
    assert shopify_store.inventory_levels[0]["available"] == 42
    (page,) = await read_all(shop(shopify_store), "inventory_levels")
    assert page.records[0]["available"] == 42


async def test_an_unknown_resource_fails_the_batch(shopify_store: FakeStore) -> None:
    with pytest.raises(ConnectorError, match="cannot write 'orders'"):
        await write(shopify_store, "orders", [{"id": 1}])
