"""What the Shopify connector asks the Admin GraphQL API, and the webhook shape it turns answers into.

A product read here and the same product delivered by a `products/update` webhook reach normalize
with the same keys: snake_case, numeric ids (from `legacyResourceId`, an UnsignedInt64 that the API
sends as a string, so ids above 2^53 stay exact), `variants` as a list, money as decimal strings,
enums in lower case, `tags` as one comma-separated string, and `admin_graphql_api_id`. Timestamps
come in UTC where a webhook carries the shop's offset: the same instant, which normalize's
`timestamps` makes identical.

Queries are validated against Shopify's published 2025-01 schema by the test double.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

VARIANTS_PER_PRODUCT = 50  # more are fetched with VARIANTS_QUERY, so none is ever cut off

VARIANT_FIELDS = """
  id legacyResourceId title sku price compareAtPrice position inventoryQuantity inventoryPolicy
  taxable barcode createdAt updatedAt selectedOptions { name value } inventoryItem { legacyResourceId }
"""
PRODUCT_FIELDS = """
  id legacyResourceId title handle descriptionHtml vendor productType status tags
  templateSuffix createdAt updatedAt publishedAt
  options { name position values }
"""
PRODUCTS_QUERY = f"""
query Products($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {PRODUCT_FIELDS}
      variants(first: {VARIANTS_PER_PRODUCT}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {VARIANT_FIELDS} }}
      }}
    }}
  }}
}}
"""
VARIANTS_QUERY = f"""
query ProductVariants($id: ID!, $after: String) {{
  product(id: $id) {{
    variants(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {VARIANT_FIELDS} }}
    }}
  }}
}}
"""
LINE_ITEM_FIELDS = """
  id title sku quantity variantTitle vendor originalUnitPriceSet { shopMoney { amount } }
  variant { legacyResourceId } product { legacyResourceId }
"""
LINE_ITEMS_PER_ORDER = 25
ORDER_FIELDS = """
  id legacyResourceId name email currencyCode displayFinancialStatus createdAt updatedAt
  totalPriceSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } }
  customer { legacyResourceId firstName lastName email }
"""
ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {LINE_ITEM_FIELDS} }}
      }}
    }}
  }}
}}
"""
LINE_ITEMS_QUERY = f"""
query OrderLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {LINE_ITEM_FIELDS} }}
    }}
  }}
}}
"""
CUSTOMER_FIELDS = """
  id legacyResourceId email firstName lastName phone state note verifiedEmail taxExempt tags
  numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt
  defaultAddress { address1 address2 city province provinceCode country countryCodeV2 zip phone }
"""
CUSTOMERS_QUERY = f"""
query Customers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {CUSTOMER_FIELDS} }}
  }}
}}
"""
LEVEL_FIELDS = 'id updatedAt location { legacyResourceId } quantities(names: ["available"]) { name quantity }'
INVENTORY_ITEM_FIELDS = "id legacyResourceId"
INVENTORY_QUERY = f"""
query InventoryItems($first: Int!, $after: String, $query: String) {{
  inventoryItems(first: $first, after: $after, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {INVENTORY_ITEM_FIELDS}
      inventoryLevels(first: 20) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LEVEL_FIELDS} }} }}
    }}
  }}
}}
"""
LEVELS_QUERY = f"""
query InventoryLevels($id: ID!, $after: String) {{
  inventoryItem(id: $id) {{
    inventoryLevels(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {LEVEL_FIELDS} }}
    }}
  }}
}}
"""
SHOP_QUERY = "query Shop { shop { name myshopifyDomain } currentAppInstallation { accessScopes { handle } } }"


def legacy_id(value: Any) -> int | None:
    return None if value is None else int(value)


def product(node: Mapping[str, Any], variant_nodes: list[Mapping[str, Any]]) -> dict[str, Any]:
    pid = int(node["legacyResourceId"])
    return {
        "id": pid,
        "title": node["title"],
        "body_html": node["descriptionHtml"],
        "vendor": node["vendor"],
        "product_type": node["productType"],
        "created_at": node["createdAt"],
        "handle": node["handle"],
        "updated_at": node["updatedAt"],
        "published_at": node["publishedAt"],
        "template_suffix": node["templateSuffix"],
        "status": str(node["status"]).lower(),
        "tags": ", ".join(node["tags"]),
        "admin_graphql_api_id": node["id"],
        "variants": [variant(v, pid) for v in variant_nodes],
        "options": [
            {"product_id": pid, "name": o["name"], "position": o["position"], "values": o["values"]}
            for o in node["options"]
        ],
    }


def variant(node: Mapping[str, Any], product_id: int) -> dict[str, Any]:
    options = [o["value"] for o in node["selectedOptions"]] + [None, None, None]
    return {
        "id": int(node["legacyResourceId"]),
        "product_id": product_id,
        "title": node["title"],
        "price": node["price"],
        "sku": node["sku"],
        "position": node["position"],
        "inventory_policy": str(node["inventoryPolicy"]).lower(),
        "compare_at_price": node["compareAtPrice"],
        "option1": options[0],
        "option2": options[1],
        "option3": options[2],
        "created_at": node["createdAt"],
        "updated_at": node["updatedAt"],
        "taxable": node["taxable"],
        "barcode": node["barcode"],
        "inventory_quantity": node["inventoryQuantity"],
        "inventory_item_id": legacy_id((node.get("inventoryItem") or {}).get("legacyResourceId")),
        "admin_graphql_api_id": node["id"],
    }


def order(node: Mapping[str, Any], line_items: list[Mapping[str, Any]]) -> dict[str, Any]:
    buyer = node.get("customer")
    return {
        "id": int(node["legacyResourceId"]),
        "name": node["name"],
        "email": node["email"],
        "currency": node["currencyCode"],
        "total_price": node["totalPriceSet"]["shopMoney"]["amount"],
        "subtotal_price": (node.get("subtotalPriceSet") or {}).get("shopMoney", {}).get("amount"),
        "financial_status": None
        if node["displayFinancialStatus"] is None
        else node["displayFinancialStatus"].lower(),
        "customer": None
        if buyer is None
        else {
            "id": int(buyer["legacyResourceId"]),
            "first_name": buyer["firstName"],
            "last_name": buyer["lastName"],
            "email": buyer["email"],
        },
        "line_items": [line_item(item) for item in line_items],
        "created_at": node["createdAt"],
        "updated_at": node["updatedAt"],
        "admin_graphql_api_id": node["id"],
    }


def line_item(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(str(node["id"]).rsplit("/", 1)[-1]),  # LineItem has no legacyResourceId; its gid ends in it
        "product_id": legacy_id((node.get("product") or {}).get("legacyResourceId")),
        "variant_id": legacy_id((node.get("variant") or {}).get("legacyResourceId")),
        "title": node["title"],
        "variant_title": node["variantTitle"],
        "vendor": node["vendor"],
        "sku": node["sku"],
        "quantity": node["quantity"],
        "price": node["originalUnitPriceSet"]["shopMoney"]["amount"],
        "admin_graphql_api_id": node["id"],
    }


def customer(node: Mapping[str, Any], _: list[Mapping[str, Any]]) -> dict[str, Any]:
    spent = node.get("amountSpent") or {}
    address = node.get("defaultAddress")
    return {
        "id": int(node["legacyResourceId"]),
        "email": node["email"],
        "first_name": node["firstName"],
        "last_name": node["lastName"],
        "phone": node["phone"],
        "state": str(node["state"]).lower(),
        "note": node["note"],
        "verified_email": node["verifiedEmail"],
        "tax_exempt": node["taxExempt"],
        "tags": ", ".join(node["tags"]),
        "orders_count": int(node["numberOfOrders"]),
        "total_spent": spent.get("amount"),
        "currency": spent.get("currencyCode"),
        "created_at": node["createdAt"],
        "updated_at": node["updatedAt"],
        "default_address": None if address is None else _address(address),
        "admin_graphql_api_id": node["id"],
    }


def inventory_levels(node: Mapping[str, Any], levels: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per (item, location), as `inventory_levels/update` delivers them."""
    item = int(node["legacyResourceId"])
    return [
        {
            "inventory_item_id": item,
            "location_id": int(level["location"]["legacyResourceId"]),
            "available": next((q["quantity"] for q in level["quantities"] if q["name"] == "available"), None),
            "updated_at": level["updatedAt"],
            "admin_graphql_api_id": level["id"],
        }
        for level in levels
    ]


def _one(shape: Callable[[Mapping[str, Any], list[Mapping[str, Any]]], dict[str, Any]]) -> Shape:
    return lambda node, nested: [shape(node, nested)]


def _address(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "address1": node["address1"],
        "address2": node["address2"],
        "city": node["city"],
        "province": node["province"],
        "province_code": node["provinceCode"],
        "country": node["country"],
        "country_code": node["countryCodeV2"],
        "zip": node["zip"],
        "phone": node["phone"],
    }


Shape = Callable[[Mapping[str, Any], list[Mapping[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ResourceQuery:
    field: str  # the root connection
    query: str
    page_size: int  # what keeps one page under Shopify's single-query cost limit (1000)
    shape: Shape  # a node (and its nested connection, all pages) -> its records
    nested: str | None = None  # a connection inside each node that may need more pages
    nested_query: str = ""  # ...fetched by this query, from the node found at `nested_root`
    nested_root: str = ""
    incremental: bool = True  # the connection filters and sorts by updated_at
    # For a bulk operation (ezy.connectors._shopify_bulk): the node's and the nested node's fields,
    # and the count that decides whether a full read is big enough for one.
    fields: str = ""
    nested_fields: str = ""
    count: str = ""


RESOURCES = {
    "products": ResourceQuery(
        "products",
        PRODUCTS_QUERY,
        8,
        _one(product),
        "variants",
        VARIANTS_QUERY,
        "product",
        fields=PRODUCT_FIELDS,
        nested_fields=VARIANT_FIELDS,
        count="productsCount",
    ),
    "orders": ResourceQuery(
        "orders",
        ORDERS_QUERY,
        8,
        _one(order),
        "lineItems",
        LINE_ITEMS_QUERY,
        "order",
        fields=ORDER_FIELDS,
        nested_fields=LINE_ITEM_FIELDS,
        count="ordersCount",
    ),
    "customers": ResourceQuery(
        "customers", CUSTOMERS_QUERY, 100, _one(customer), fields=CUSTOMER_FIELDS, count="customersCount"
    ),
    # An inventory item's updated_at does not move when a quantity does: levels are read in full.
    # 2025-01 counts no inventory items; every variant has one, so variants stand in for them.
    "inventory_levels": ResourceQuery(
        "inventoryItems",
        INVENTORY_QUERY,
        20,
        inventory_levels,
        "inventoryLevels",
        LEVELS_QUERY,
        "inventoryItem",
        incremental=False,
        fields=INVENTORY_ITEM_FIELDS,
        nested_fields=LEVEL_FIELDS,
        count="productVariantsCount",
    ),
}
