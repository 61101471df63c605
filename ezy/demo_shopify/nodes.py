"""The stand-in store's data as Shopify's Admin GraphQL API shows it: webhook-shaped rows in, nodes out.

Gids, camelCase, enums in upper case, UTC timestamps, money as `MoneyBag`s; connections resolve
`first` / `after` like Shopify's (opaque cursors, `pageInfo`), or to the end in a bulk operation.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def utc(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromisoformat(stamp).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _cursor(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode()


def connection(
    items: list[dict[str, Any]], shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> Callable[..., dict[str, Any]]:
    """A connection over `items`, each turned into its node by `shape` only when it is on the page."""

    def resolve(info: Any, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        start = int(base64.b64decode(after)) if after else 0
        # A bulk operation reads every connection to the end; a query gets `first` (50 when absent).
        bulk = isinstance(info.context, dict) and info.context.get("bulk")
        chunk = items[start:] if bulk and first is None else items[start : start + (first or 50)]
        nodes = [shape(item) for item in chunk] if shape else chunk
        end = start + len(chunk)
        return {
            "nodes": nodes,
            "edges": [{"node": node, "cursor": _cursor(start + n + 1)} for n, node in enumerate(nodes)],
            "pageInfo": {
                "hasNextPage": end < len(items),
                "hasPreviousPage": start > 0,
                "endCursor": _cursor(end) if chunk else None,
                "startCursor": _cursor(start) if chunk else None,
            },
        }

    return resolve


def product_node(p: dict[str, Any]) -> dict[str, Any]:
    variants = [variant_node(v, i, p) for i, v in enumerate(p.get("variants") or [])]
    options = p.get("options") or []
    return {
        "id": f"gid://shopify/Product/{p['id']}",
        "legacyResourceId": str(p["id"]),
        "title": p["title"],
        "handle": p.get("handle"),
        "descriptionHtml": p.get("body_html") or "",
        "vendor": p.get("vendor"),
        "productType": p.get("product_type") or "",
        "status": (p.get("status") or "active").upper(),
        "tags": [t.strip() for t in (p.get("tags") or "").split(",") if t.strip()],
        "templateSuffix": p.get("template_suffix"),
        "createdAt": utc(p.get("created_at")),
        "updatedAt": utc(p.get("updated_at")),
        "publishedAt": utc(p.get("published_at")),
        "options": [
            {"name": o["name"], "position": o.get("position", i + 1), "values": o.get("values", [])}
            for i, o in enumerate(options)
        ],
        "variants": connection(variants),
    }


def variant_node(v: dict[str, Any], index: int, product: dict[str, Any]) -> dict[str, Any]:
    names = ["Title", "Option2", "Option3"]
    chosen = [v.get(f"option{n}") for n in (1, 2, 3)]
    return {
        "id": f"gid://shopify/ProductVariant/{v['id']}",
        "legacyResourceId": str(v["id"]),
        "title": v.get("title") or "Default Title",
        "sku": v.get("sku"),
        "price": v.get("price"),
        "compareAtPrice": v.get("compare_at_price"),
        "position": v.get("position", index + 1),
        "inventoryQuantity": v.get("inventory_quantity"),
        "inventoryPolicy": (v.get("inventory_policy") or "deny").upper(),
        "taxable": v.get("taxable", True),
        "barcode": v.get("barcode"),
        "createdAt": utc(v.get("created_at") or product.get("created_at")),
        "updatedAt": utc(v.get("updated_at") or product.get("updated_at")),
        "selectedOptions": [
            {"name": n, "value": c} for n, c in zip(names, chosen, strict=True) if c is not None
        ],
        "inventoryItem": {"legacyResourceId": str(v.get("inventory_item_id") or v["id"] + 1)},
    }


def _money(amount: Any) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"}}


def order_node(o: dict[str, Any]) -> dict[str, Any]:
    buyer = o.get("customer")
    items = [
        {
            "id": f"gid://shopify/LineItem/{li['id']}",
            "title": li.get("title") or li.get("name") or "",
            "sku": li.get("sku"),
            "quantity": li.get("quantity", 1),
            "variantTitle": li.get("variant_title"),
            "vendor": li.get("vendor"),
            "originalUnitPriceSet": _money(li.get("price")),
            "variant": None if li.get("variant_id") is None else {"legacyResourceId": str(li["variant_id"])},
            "product": None if li.get("product_id") is None else {"legacyResourceId": str(li["product_id"])},
        }
        for li in o.get("line_items") or []
    ]
    return {
        "id": f"gid://shopify/Order/{o['id']}",
        "legacyResourceId": str(o["id"]),
        "name": o["name"],
        "email": o.get("email"),
        "currencyCode": o.get("currency") or "USD",
        "displayFinancialStatus": (o.get("financial_status") or "pending").upper(),
        "createdAt": utc(o.get("created_at")),
        "updatedAt": utc(o.get("updated_at")),
        "totalPriceSet": _money(o.get("total_price")),
        "subtotalPriceSet": _money(o.get("subtotal_price") or o.get("total_price")),
        "customer": None
        if buyer is None
        else {
            "legacyResourceId": str(buyer["id"]),
            "firstName": buyer.get("first_name"),
            "lastName": buyer.get("last_name"),
            "email": buyer.get("email"),
        },
        "lineItems": connection(items),
    }


def inventory_items(levels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Levels grouped by their inventory item, in order of first appearance."""
    items: dict[int, list[dict[str, Any]]] = {}
    for level in levels:
        items.setdefault(level["inventory_item_id"], []).append(level)
    return [{"id": item, "levels": rows} for item, rows in items.items()]


def inventory_item_node(item: dict[str, Any]) -> dict[str, Any]:
    def level(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/InventoryLevel/{row['location_id']}?inventory_item_id={item['id']}",
            "updatedAt": utc(row.get("updated_at")),
            "location": {"legacyResourceId": str(row["location_id"])},
            "quantities": lambda _info, names: [
                {"name": n, "quantity": row.get("available")} for n in names if n == "available"
            ],
        }

    return {
        "id": f"gid://shopify/InventoryItem/{item['id']}",
        "legacyResourceId": str(item["id"]),
        "inventoryLevels": connection([level(row) for row in item["levels"]]),
    }


def customer_node(c: dict[str, Any]) -> dict[str, Any]:
    address = c.get("default_address")
    return {
        "id": f"gid://shopify/Customer/{c['id']}",
        "legacyResourceId": str(c["id"]),
        "email": c.get("email"),
        "firstName": c.get("first_name"),
        "lastName": c.get("last_name"),
        "phone": c.get("phone"),
        "state": (c.get("state") or "disabled").upper(),
        "note": c.get("note"),
        "verifiedEmail": bool(c.get("verified_email")),
        "taxExempt": bool(c.get("tax_exempt")),
        "tags": [t.strip() for t in (c.get("tags") or "").split(",") if t.strip()],
        "numberOfOrders": str(c.get("orders_count", 0)),
        "amountSpent": {"amount": c.get("total_spent") or "0.00", "currencyCode": c.get("currency") or "USD"},
        "createdAt": utc(c.get("created_at")),
        "updatedAt": utc(c.get("updated_at")),
        "defaultAddress": None
        if address is None
        else {
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "provinceCode": address.get("province_code"),
            "country": address.get("country"),
            "countryCodeV2": address.get("country_code"),
            "zip": address.get("zip"),
            "phone": address.get("phone"),
        },
    }
