"""A Shopify Admin GraphQL API on loopback: a real HTTP server that behaves like a store.

    POST /admin/api/{version}/graphql.json      X-Shopify-Access-Token: {token}

- Every query is parsed and validated against Shopify's published 2025-01 Admin schema
  (tests/fixtures/shopify/admin_schema_2025-01.json.gz) and executed by graphql-core on
  the store's data; an invalid query answers 200 with `errors`, as Shopify does, and is recorded
  in `store.invalid`.
- Query cost as Shopify documents it: a scalar or enum 0, an object 1, a connection
  2 + first x (its node's cost); a single query above `maximum` is `MAX_COST_EXCEEDED`. A leaky
  bucket (`maximum` points, `restore_rate` per second) answers `THROTTLED` when a query costs more
  than is available, and every answer carries `extensions.cost.throttleStatus`.
- A wrong token is 401, another API version or shop path 404, a query outside the granted
  scopes `ACCESS_DENIED`.

The store keeps products and customers in webhook shape (what `products/update` would deliver);
resolvers present them in GraphQL shape (gids, camelCase, enums in upper case, UTC timestamps).
`updated_at:>='...'` in the `query` argument filters, `sortKey: UPDATED_AT` sorts.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_client_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
)
from graphql.language import SelectionSetNode
from graphql.utilities import value_from_ast_untyped

SCHEMA_PATH = Path(__file__).parent.parent / "fixtures" / "shopify" / "admin_schema_2025-01.json.gz"
VERSION = "2025-01"
_SINCE = re.compile(r"updated_at:>=?'([^']+)'")


@cache
def admin_schema() -> GraphQLSchema:
    with gzip.open(SCHEMA_PATH) as f:
        schema = build_client_schema(json.load(f)["data"])
    # Shopify's schema trips a few of graphql-core's own type-system checks (deprecated interface
    # fields); documents are still validated against it in full.
    schema._validation_errors = []
    return schema


@dataclass
class FakeStore:
    token: str = "shpat_test_token"
    name: str = "Fake Store"
    domain: str = "fake-store.myshopify.com"
    scopes: list[str] = field(
        default_factory=lambda: ["read_products", "read_orders", "read_customers", "read_inventory"]
    )
    products: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    inventory_levels: list[dict[str, Any]] = field(default_factory=list)  # inventory_levels/update bodies
    customers: list[dict[str, Any]] = field(default_factory=list)
    maximum: float = 1000.0
    restore_rate: float = 50.0
    available: float = 1000.0
    refilled_at: float = field(default_factory=time.monotonic)
    base_url: str = ""
    next_id: int = 8_000_000_000_000  # ids of what mutations create
    requests: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def drain(self) -> None:
        """Empties the bucket now (as if another app had just spent it)."""
        with self.lock:
            self.available, self.refilled_at = 0.0, time.monotonic()

    def charge(self, cost: float) -> dict[str, Any] | None:
        """Takes `cost` points from the bucket; the throttle status, or None when throttled."""
        with self.lock:
            now = time.monotonic()
            self.available = min(self.maximum, self.available + (now - self.refilled_at) * self.restore_rate)
            self.refilled_at = now
            enough = cost <= self.available
            if enough:
                self.available -= cost
            else:
                self.throttled += 1
            status = {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(self.available),
                "restoreRate": self.restore_rate,
            }
        return status if enough else {"throttled": status}


def query_cost(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]) -> int:
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    assert root is not None
    return _selection_cost(root, operation.selection_set, variables)


def _selection_cost(
    parent: GraphQLObjectType, selections: SelectionSetNode | None, variables: dict[str, Any]
) -> int:
    total = 0
    for node in selections.selections if selections else ():
        if not isinstance(node, FieldNode) or node.name.value not in parent.fields:
            continue
        kind = get_named_type(parent.fields[node.name.value].type)
        if not isinstance(kind, GraphQLObjectType):
            continue  # scalars and enums are free
        inner = _selection_cost(kind, node.selection_set, variables)
        if kind.name.endswith("Connection"):
            args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()}
            total += 2 + int(args.get("first") or args.get("last") or 0) * _node_cost(kind, node, variables)
        else:
            total += 1 + inner
    return total


def _node_cost(connection: GraphQLObjectType, node: FieldNode, variables: dict[str, Any]) -> int:
    """The cost of one item of a connection: its `nodes { ... }` or `edges { node { ... } }`."""
    cost = 0
    for sub in node.selection_set.selections if node.selection_set else ():
        if isinstance(sub, FieldNode) and sub.name.value in ("nodes", "edges"):
            item = get_named_type(connection.fields[sub.name.value].type)
            assert isinstance(item, GraphQLObjectType)
            cost = max(cost, _selection_cost(item, sub.selection_set, variables))
    return max(cost, 1)


def _utc(stamp: str | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromisoformat(stamp).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _connection(items: list[dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def resolve(_info: Any, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        start = int(base64.b64decode(after)) if after else 0
        chunk = items[start : start + (first or 50)]
        end = start + len(chunk)
        return {
            "nodes": chunk,
            "pageInfo": {
                "hasNextPage": end < len(items),
                "hasPreviousPage": start > 0,
                "endCursor": base64.b64encode(str(end).encode()).decode() if chunk else None,
                "startCursor": base64.b64encode(str(start).encode()).decode() if chunk else None,
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
        "createdAt": _utc(p.get("created_at")),
        "updatedAt": _utc(p.get("updated_at")),
        "publishedAt": _utc(p.get("published_at")),
        "options": [
            {"name": o["name"], "position": o.get("position", i + 1), "values": o.get("values", [])}
            for i, o in enumerate(options)
        ],
        "variants": _connection(variants),
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
        "createdAt": _utc(v.get("created_at") or product.get("created_at")),
        "updatedAt": _utc(v.get("updated_at") or product.get("updated_at")),
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
        "createdAt": _utc(o.get("created_at")),
        "updatedAt": _utc(o.get("updated_at")),
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
        "lineItems": _connection(items),
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
            "updatedAt": _utc(row.get("updated_at")),
            "location": {"legacyResourceId": str(row["location_id"])},
            "quantities": lambda _info, names: [
                {"name": n, "quantity": row.get("available")} for n in names if n == "available"
            ],
        }

    return {
        "id": f"gid://shopify/InventoryItem/{item['id']}",
        "legacyResourceId": str(item["id"]),
        "inventoryLevels": _connection([level(row) for row in item["levels"]]),
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
        "createdAt": _utc(c.get("created_at")),
        "updatedAt": _utc(c.get("updated_at")),
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


def _listing(
    store: FakeStore, rows: list[dict[str, Any]], scope: str, shape: Callable[..., dict[str, Any]]
) -> Any:
    def resolve(info: Any, query: str | None = None, sortKey: str | None = None, **args: Any) -> Any:
        if scope not in store.scopes:
            raise PermissionError(f"Access denied for {info.field_name} field. Required access: `{scope}`.")
        items = rows
        since = _SINCE.search(query or "")
        if since:
            moment = datetime.fromisoformat(since.group(1))
            items = [r for r in items if datetime.fromisoformat(r["updated_at"]) >= moment]
        if sortKey == "UPDATED_AT":
            items = sorted(items, key=lambda r: datetime.fromisoformat(r["updated_at"]))
        return _connection([shape(r) for r in items])(info, **args)

    return resolve


def _legacy(value: str) -> int:
    return int(str(value).rsplit("/", 1)[-1])


def _error(*path: Any, message: str) -> dict[str, Any]:
    return {"field": [str(p) for p in path], "message": message}


def _bad_price(value: Any) -> bool:
    try:
        return Decimal(str(value)) < 0
    except InvalidOperation:
        return True


class _Mutations:
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


def _root(store: FakeStore) -> dict[str, Any]:
    by_gid = {f"gid://shopify/Product/{p['id']}": p for p in store.products}
    orders = {f"gid://shopify/Order/{o['id']}": o for o in store.orders}
    items = {f"gid://shopify/InventoryItem/{i['id']}": i for i in inventory_items(store.inventory_levels)}
    mutations = _Mutations(store)
    return {
        "shop": {"name": store.name, "myshopifyDomain": store.domain},
        "currentAppInstallation": {"accessScopes": [{"handle": s} for s in store.scopes]},
        "products": _listing(store, store.products, "read_products", product_node),
        "customers": _listing(store, store.customers, "read_customers", customer_node),
        "orders": _listing(store, store.orders, "read_orders", order_node),
        "product": lambda _info, id: product_node(by_gid[id]) if id in by_gid else None,
        "order": lambda _info, id: order_node(orders[id]) if id in orders else None,
        "inventoryItems": _listing(store, list(items.values()), "read_inventory", inventory_item_node),
        "inventoryItem": lambda _info, id: inventory_item_node(items[id]) if id in items else None,
        "productCreate": mutations.product_create,
        "productUpdate": mutations.product_update,
        "productVariantsBulkCreate": mutations.variants_create,
        "productVariantsBulkUpdate": mutations.variants_update,
        "inventorySetQuantities": mutations.set_quantities,
    }


class _Handler(BaseHTTPRequestHandler):
    store: FakeStore
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        store = self.store
        with store.lock:
            store.requests.append(body)
        if self.path != f"/admin/api/{VERSION}/graphql.json":
            self._json(404, {"errors": "Not Found"})
        elif self.headers.get("X-Shopify-Access-Token") != store.token:
            self._json(
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        else:
            self._json(200, self._graphql(body.get("query", ""), body.get("variables") or {}))

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        schema = admin_schema()
        document = parse(query)
        problems = validate(schema, document)
        if problems:
            with self.store.lock:
                self.store.invalid.append(query)
            return {"errors": [{"message": p.message} for p in problems]}
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        # Shopify: a mutation costs 10 points; a query what its fields and connections add up to.
        mutation = operation.operation.value == "mutation"
        cost = 10 if mutation else query_cost(schema, operation, variables)
        if cost > self.store.maximum:
            limit = f"{self.store.maximum:g}"
            message = f"Query cost is {cost}, which exceeds the single query max cost limit ({limit})."
            code = {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": self.store.maximum}
            return {"errors": [{"message": message, "extensions": code}]}
        status = self.store.charge(cost)
        assert status is not None
        if "throttled" in status:
            extensions = {
                "cost": {
                    "requestedQueryCost": cost,
                    "actualQueryCost": None,
                    "throttleStatus": status["throttled"],
                }
            }
            return {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": extensions,
            }
        result = execute_sync(schema, document, root_value=_root(self.store), variable_values=variables)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            denied = any("Access denied" in e.message for e in result.errors)
            answer["errors"] = [
                {
                    "message": e.message,
                    "extensions": {"code": "ACCESS_DENIED" if denied else "INTERNAL_SERVER_ERROR"},
                }
                for e in result.errors
            ]
        answer["extensions"] = {
            "cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": status}
        }
        return answer

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Shopify-API-Version", VERSION)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextmanager
def serve_store(store: FakeStore | None = None) -> Iterator[FakeStore]:
    store = store or FakeStore()
    handler = type("Handler", (_Handler,), {"store": store})
    server = _Server(("127.0.0.1", 0), handler)
    store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
