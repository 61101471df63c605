"""The stand-in store's mutations: what Shopify does with them, on webhook-shaped rows, with `userErrors`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ezy.demo_shopify.nodes import product_node

if TYPE_CHECKING:
    from ezy.demo_shopify.store import FakeStore


def _legacy(value: str) -> int:
    return int(str(value).rsplit("/", 1)[-1])


def _error(*path: Any, message: str) -> dict[str, Any]:
    return {"field": [str(p) for p in path], "message": message}


def _bad_price(value: Any) -> bool:
    try:
        return Decimal(str(value)) < 0
    except InvalidOperation:
        return True


class Mutations:
    """productCreate / productUpdate / productVariantsBulkCreate / productVariantsBulkUpdate /
    inventorySetQuantities on the store's webhook-shaped data, with Shopify's `userErrors`."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def _new_id(self) -> int:
        self.store.next_id += 1
        return self.store.next_id

    def _product(self, gid: Any) -> dict[str, Any] | None:
        return next((p for p in self.store.products if p["id"] == _legacy(gid)), None) if gid else None

    def product_create(self, _info: Any, product: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not (product.get("title") or "").strip():
            return {"product": None, "userErrors": [_error("title", message="Title can't be blank")]}
        now = datetime.now(UTC).isoformat()
        row: dict[str, Any] = {"id": self._new_id(), "created_at": now, "status": "active", "tags": ""}
        row["variants"] = [
            {"id": self._new_id(), "title": "Default Title", "price": "0.00", "option1": "Default Title"}
        ]
        row["options"] = [{"name": "Title", "values": ["Default Title"]}]
        self._apply(row, product)
        self.store.products.append(row)
        return {"product": product_node(row), "userErrors": []}

    def product_update(self, _info: Any, product: dict[str, Any], **_: Any) -> dict[str, Any]:
        row = self._product(product.get("id"))
        if row is None:
            return {"product": None, "userErrors": [_error("id", message="Product does not exist")]}
        if "title" in product and not (product["title"] or "").strip():
            return {"product": None, "userErrors": [_error("title", message="Title can't be blank")]}
        self._apply(row, product)
        return {"product": product_node(row), "userErrors": []}

    def _apply(self, row: dict[str, Any], given: dict[str, Any]) -> None:
        names = {
            "title": "title",
            "descriptionHtml": "body_html",
            "vendor": "vendor",
            "productType": "product_type",
        }
        for graphql_name, key in {**names, "handle": "handle", "templateSuffix": "template_suffix"}.items():
            if graphql_name in given:
                row[key] = given[graphql_name]
        if "tags" in given:
            row["tags"] = ", ".join(given["tags"] or [])
        if given.get("status"):
            row["status"] = str(given["status"]).lower()
        row.setdefault("handle", str(row.get("title", "")).lower().replace(" ", "-"))
        row["updated_at"] = datetime.now(UTC).isoformat()

    def variants_create(
        self, _info: Any, productId: str, variants: list[dict[str, Any]], **kw: Any
    ) -> dict[str, Any]:
        row = self._product(productId)
        if row is None:
            return {
                "productVariants": None,
                "userErrors": [_error("productId", message="Product does not exist")],
            }
        errors = [
            _error("variants", i, "price", message="Price must be a non-negative decimal")
            for i, v in enumerate(variants)
            if _bad_price(v.get("price", "0"))
        ]
        if errors:
            return {"productVariants": None, "userErrors": errors}
        if kw.get("strategy") == "REMOVE_STANDALONE_VARIANT":
            row["variants"] = [v for v in row["variants"] if v.get("title") != "Default Title"]
        created = []
        for given in variants:
            chosen = [o["name"] for o in given.get("optionValues") or []]
            variant = {"id": self._new_id(), "title": " / ".join(chosen) or "Default Title"}
            variant.update({f"option{n + 1}": value for n, value in enumerate(chosen[:3])})
            self._apply_variant(variant, given)
            row["variants"].append(variant)
            created.append({"id": f"gid://shopify/ProductVariant/{variant['id']}"})
        return {"productVariants": created, "userErrors": []}

    def variants_update(
        self, _info: Any, productId: str, variants: list[dict[str, Any]], **_: Any
    ) -> dict[str, Any]:
        row = self._product(productId)
        if row is None:
            return {
                "productVariants": None,
                "userErrors": [_error("productId", message="Product does not exist")],
            }
        by_id = {v["id"]: v for v in row["variants"]}
        errors = [
            _error("variants", i, "id", message="Product variant does not exist")
            for i, v in enumerate(variants)
            if _legacy(v.get("id", "0")) not in by_id
        ] + [
            _error("variants", i, "price", message="Price must be a non-negative decimal")
            for i, v in enumerate(variants)
            if "price" in v and _bad_price(v["price"])
        ]
        if errors:
            return {"productVariants": None, "userErrors": errors}
        for given in variants:
            self._apply_variant(by_id[_legacy(given["id"])], given)
        return {"productVariants": [{"id": v["id"]} for v in variants], "userErrors": []}

    @staticmethod
    def _apply_variant(variant: dict[str, Any], given: dict[str, Any]) -> None:
        names = {
            "price": "price",
            "compareAtPrice": "compare_at_price",
            "barcode": "barcode",
            "taxable": "taxable",
        }
        for graphql_name, key in names.items():
            if graphql_name in given:
                variant[key] = given[graphql_name]
        if given.get("inventoryPolicy"):
            variant["inventory_policy"] = str(given["inventoryPolicy"]).lower()
        if "sku" in (given.get("inventoryItem") or {}):
            variant["sku"] = given["inventoryItem"]["sku"]

    def set_quantities(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
        known = {
            v.get("inventory_item_id") or v["id"] + 1
            for p in self.store.products
            for v in p.get("variants") or []
        }
        known |= {level["inventory_item_id"] for level in self.store.inventory_levels}
        errors = [
            _error(
                "input",
                "quantities",
                i,
                "inventoryItemId",
                message="The specified inventory item could not be found.",
            )
            for i, q in enumerate(input["quantities"])
            if _legacy(q["inventoryItemId"]) not in known
        ]
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        for q in input["quantities"]:
            item, location = _legacy(q["inventoryItemId"]), _legacy(q["locationId"])
            level = next(
                (
                    x
                    for x in self.store.inventory_levels
                    if (x["inventory_item_id"], x["location_id"]) == (item, location)
                ),
                None,
            )
            if level is None:
                level = {"inventory_item_id": item, "location_id": location}
                self.store.inventory_levels.append(level)
            level.update(available=q["quantity"], updated_at=datetime.now(UTC).isoformat())
        return {
            "inventoryAdjustmentGroup": {"id": f"gid://shopify/InventoryAdjustmentGroup/{self._new_id()}"},
            "userErrors": [],
        }
