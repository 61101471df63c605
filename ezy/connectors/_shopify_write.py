"""Writing to Shopify: records in webhook shape become Admin GraphQL mutations, one result per record.

    products           a record with `id` updates that product (productUpdate), without one creates it
                       (productCreate); its `variants` with an `id` are updated
                       (productVariantsBulkUpdate), those without are created
                       (productVariantsBulkCreate, replacing the placeholder variant of a new product)
    inventory_levels   {inventory_item_id, location_id, available}: inventorySetQuantities ("available")

Fields follow the webhook shape a read produces (title, body_html, vendor, product_type, tags as a
comma-separated string or a list, status, handle; variant price, compare_at_price, sku, barcode,
taxable, inventory_policy, option1..3), so a record read from one store can be written to another.
`userErrors` reject the record, naming the field (`variants.0.price: ...`); a product created before
its variants were refused says so with its new id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ezy.connectors.base import WRITE_OK, WriteResult

GraphQL = Callable[[str, str, Mapping[str, Any]], Awaitable[dict[str, Any]]]

_USER_ERRORS = "userErrors { field message }"
PRODUCT_CREATE = f"""
mutation ProductCreate($product: ProductCreateInput!) {{
  productCreate(product: $product) {{ product {{ id legacyResourceId }} {_USER_ERRORS} }}
}}
"""
PRODUCT_UPDATE = f"""
mutation ProductUpdate($product: ProductUpdateInput!) {{
  productUpdate(product: $product) {{ product {{ id legacyResourceId }} {_USER_ERRORS} }}
}}
"""
VARIANTS_CREATE = f"""
mutation VariantsCreate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {{
  productVariantsBulkCreate(
    productId: $productId, variants: $variants, strategy: REMOVE_STANDALONE_VARIANT
  ) {{ productVariants {{ id }} {_USER_ERRORS} }}
}}
"""
VARIANTS_UPDATE = f"""
mutation VariantsUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {{
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {{
    productVariants {{ id }} {_USER_ERRORS}
  }}
}}
"""
SET_QUANTITIES = f"""
mutation SetQuantities($input: InventorySetQuantitiesInput!) {{
  inventorySetQuantities(input: $input) {{ inventoryAdjustmentGroup {{ id }} {_USER_ERRORS} }}
}}
"""
MUTATIONS = (PRODUCT_CREATE, PRODUCT_UPDATE, VARIANTS_CREATE, VARIANTS_UPDATE, SET_QUANTITIES)

_PRODUCT_FIELDS = {
    "title": "title",
    "body_html": "descriptionHtml",
    "vendor": "vendor",
    "product_type": "productType",
    "handle": "handle",
    "template_suffix": "templateSuffix",
}
_MONEY_FIELDS = {"price": "price", "compare_at_price": "compareAtPrice"}
_VARIANT_FIELDS = {"barcode": "barcode", "taxable": "taxable"}


def gid(kind: str, value: Any) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def product_input(record: Mapping[str, Any]) -> dict[str, Any]:
    out = {name: record[key] for key, name in _PRODUCT_FIELDS.items() if key in record}
    if "tags" in record:
        tags = record["tags"]
        out["tags"] = [t.strip() for t in tags.split(",") if t.strip()] if isinstance(tags, str) else tags
    if record.get("status"):
        out["status"] = str(record["status"]).upper()
    if record.get("id") is not None:
        out["id"] = gid("Product", record["id"])
    return out


def variant_input(variant: Mapping[str, Any], option_names: list[str]) -> dict[str, Any]:
    out = {name: variant[key] for key, name in _VARIANT_FIELDS.items() if key in variant}
    out.update({name: _money(variant[key]) for key, name in _MONEY_FIELDS.items() if key in variant})
    if variant.get("inventory_policy"):
        out["inventoryPolicy"] = str(variant["inventory_policy"]).upper()
    if "sku" in variant:
        out["inventoryItem"] = {"sku": variant["sku"]}
    if variant.get("id") is not None:
        out["id"] = gid("ProductVariant", variant["id"])
    else:
        chosen = [variant.get(f"option{n}") for n in (1, 2, 3)]
        names = option_names or ["Title"]
        out["optionValues"] = [
            {"optionName": names[i] if i < len(names) else f"Option{i + 1}", "name": str(value)}
            for i, value in enumerate(chosen)
            if value is not None
        ] or [{"optionName": names[0], "name": str(variant.get("title") or "Default Title")}]
    return out


def _money(value: Any) -> Any:
    """Money goes as a decimal string; a number from a mapping is written the way a webhook shows it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def as_new(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without its ids (nor its variants'): `insert` creates, even from a copy of another."""
    out = {k: v for k, v in record.items() if k != "id"}
    if isinstance(out.get("variants"), list):
        out["variants"] = [
            {k: v for k, v in variant.items() if k != "id"} if isinstance(variant, Mapping) else variant
            for variant in out["variants"]
        ]
    return out


def user_errors(payload: Mapping[str, Any] | None) -> str | None:
    errors = (payload or {}).get("userErrors") or []
    if not errors:
        return None
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('field') or ['(record)'])}: {e.get('message')}" for e in errors
    )


async def write_product(graphql: GraphQL, record: Mapping[str, Any]) -> WriteResult:
    variants = record.get("variants") or []
    if not isinstance(variants, list) or not all(isinstance(v, Mapping) for v in variants):
        return WriteResult(False, "load_rejected", "variants: must be a list of objects")
    updating = record.get("id") is not None
    mutation, root = (PRODUCT_UPDATE, "productUpdate") if updating else (PRODUCT_CREATE, "productCreate")
    data = await graphql(root, mutation, {"product": product_input(record)})
    problem = user_errors(data.get(root))
    if problem:
        return WriteResult(False, "load_rejected", problem)
    product = (data.get(root) or {}).get("product") or {}
    product_id = product.get("id") or gid("Product", record["id"])
    options = [str(o.get("name")) for o in record.get("options") or [] if isinstance(o, Mapping)]
    for existing, mutation, root in (
        (True, VARIANTS_UPDATE, "productVariantsBulkUpdate"),
        (False, VARIANTS_CREATE, "productVariantsBulkCreate"),
    ):
        batch = [variant_input(v, options) for v in variants if (v.get("id") is not None) == existing]
        if not batch:
            continue
        data = await graphql(root, mutation, {"productId": product_id, "variants": batch})
        problem = user_errors(data.get(root))
        if problem:
            created = (
                "" if updating else f" (product {product.get('legacyResourceId')} was created without them)"
            )
            return WriteResult(False, "load_rejected", f"variants: {problem}{created}")
    return WRITE_OK


async def set_inventory(graphql: GraphQL, record: Mapping[str, Any]) -> WriteResult:
    missing = [k for k in ("inventory_item_id", "location_id", "available") if record.get(k) is None]
    if missing:
        return WriteResult(False, "load_rejected", f"inventory levels need {', '.join(missing)}")
    try:
        available = int(record["available"])
    except (TypeError, ValueError):
        return WriteResult(False, "load_rejected", f"available: not a whole number: {record['available']!r}")
    quantity = {
        "inventoryItemId": gid("InventoryItem", record["inventory_item_id"]),
        "locationId": gid("Location", record["location_id"]),
        "quantity": available,
    }
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": True,
            "quantities": [quantity],
        }
    }
    data = await graphql("inventorySetQuantities", SET_QUANTITIES, variables)
    problem = user_errors(data.get("inventorySetQuantities"))
    return WriteResult(False, "load_rejected", problem) if problem else WRITE_OK


WRITERS: dict[str, Callable[[GraphQL, Mapping[str, Any]], Awaitable[WriteResult]]] = {
    "products": write_product,
    "inventory_levels": set_inventory,
}
