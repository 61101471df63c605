"""A stand-in Shopify Admin GraphQL API on loopback: a real HTTP server that behaves like a store.

Not Shopify: the tests' fake store and the data `ezy up --demo` syncs without a Shopify account.

    POST /admin/api/{version}/graphql.json      X-Shopify-Access-Token: {token}

- Every query is parsed and validated against Shopify's published 2025-01 Admin schema
  (admin_schema_2025-01.json.gz beside this module; provenance in
  tests/fixtures/shopify/README.md) and executed by graphql-core on
  the store's data; an invalid query answers 200 with `errors`, as Shopify does, and is recorded
  in `store.invalid`.
- Query cost as Shopify documents it: a scalar or enum 0, an object 1, a connection
  2 + first x (its node's cost); a single query above `maximum` is `MAX_COST_EXCEEDED`. A leaky
  bucket (`maximum` points, `restore_rate` per second) answers `THROTTLED` when a query costs more
  than is available, and every answer carries `extensions.cost.throttleStatus`.
- A wrong token is 401, another API version or shop path 404, a query outside the granted
  scopes `ACCESS_DENIED`.

The store keeps products, orders, customers and inventory levels in webhook shape (what
`products/update` would deliver); resolvers present them in GraphQL shape (ezy.demo_shopify.nodes)
and mutations change them (ezy.demo_shopify.mutations).
`updated_at:>='...'` in the `query` argument filters, `sortKey: UPDATED_AT` sorts.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
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

from ezy.demo_shopify.bulk import BulkOperation, BulkOperations
from ezy.demo_shopify.mutations import Mutations
from ezy.demo_shopify.nodes import (
    connection,
    customer_node,
    inventory_item_node,
    inventory_items,
    order_node,
    product_node,
)

SCHEMA_PATH = Path(__file__).parent / "admin_schema_2025-01.json.gz"
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


@lru_cache(maxsize=256)
def checked(query: str) -> tuple[DocumentNode, list[GraphQLError]]:
    """A query parsed and validated against the schema, once per text (a sync repeats its queries)."""
    document = parse(query)
    return document, validate(admin_schema(), document)


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
    # Bulk operations (ezy.demo_shopify.bulk): polls until one ends, and how it ends.
    bulk_polls: int = 3
    bulk_outcome: str = "COMPLETED"  # or FAILED, CANCELED, EXPIRED
    bulk_error_code: str = "INTERNAL_SERVER_ERROR"
    bulk_tamper: Callable[[list[bytes]], list[bytes]] | None = None  # rewrites a result's lines
    bulk_operations: list[BulkOperation] = field(default_factory=list)
    bulk_downloads: list[dict[str, str]] = field(default_factory=list)  # each download's headers
    bulk_cancelled: int = 0
    faults: list[int] = field(default_factory=list)  # HTTP statuses the next POSTs answer instead
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


def _matching(rows: list[dict[str, Any]], query: str | None) -> list[dict[str, Any]]:
    """The rows an `updated_at:>='...'` search term lets through (all without one)."""
    since = _SINCE.search(query or "")
    if not since:
        return rows
    moment = datetime.fromisoformat(since.group(1))
    return [r for r in rows if datetime.fromisoformat(r["updated_at"]) >= moment]


def _allowed(store: FakeStore, info: Any, scope: str) -> None:
    if scope not in store.scopes:
        raise PermissionError(f"Access denied for {info.field_name} field. Required access: `{scope}`.")


def _listing(
    store: FakeStore, rows: list[dict[str, Any]], scope: str, shape: Callable[..., dict[str, Any]]
) -> Any:
    def resolve(info: Any, query: str | None = None, sortKey: str | None = None, **args: Any) -> Any:
        _allowed(store, info, scope)
        items = _matching(rows, query)
        if sortKey == "UPDATED_AT":
            items = sorted(items, key=lambda r: datetime.fromisoformat(r["updated_at"]))
        return connection(items, shape)(info, **args)

    return resolve


def _count(store: FakeStore, rows: list[dict[str, Any]], scope: str) -> Any:
    def resolve(info: Any, query: str | None = None, **_: Any) -> dict[str, Any]:
        _allowed(store, info, scope)
        return {"count": len(_matching(rows, query)), "precision": "EXACT"}

    return resolve


def _root(store: FakeStore) -> dict[str, Any]:
    by_gid = {f"gid://shopify/Product/{p['id']}": p for p in store.products}
    orders = {f"gid://shopify/Order/{o['id']}": o for o in store.orders}
    items = {f"gid://shopify/InventoryItem/{i['id']}": i for i in inventory_items(store.inventory_levels)}
    mutations = Mutations(store)
    bulk = BulkOperations(store, lambda: _root(store))
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
        "productsCount": _count(store, store.products, "read_products"),
        "ordersCount": _count(store, store.orders, "read_orders"),
        "customersCount": _count(store, store.customers, "read_customers"),
        "productVariantsCount": _count(
            store, [v for p in store.products for v in p.get("variants") or []], "read_products"
        ),
        "bulkOperationRunQuery": bulk.run_query,
        "bulkOperationCancel": bulk.cancel,
        "currentBulkOperation": bulk.current,
        "node": bulk.node,
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
        with store.lock:
            fault = store.faults.pop(0) if store.faults else None
        if fault is not None:
            self._json(fault, {"errors": "Service Unavailable"})
        elif self.path != f"/admin/api/{VERSION}/graphql.json":
            self._json(404, {"errors": "Not Found"})
        elif self.headers.get("X-Shopify-Access-Token") != store.token:
            self._json(
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        else:
            self._json(200, self._graphql(body.get("query", ""), body.get("variables") or {}))

    def do_GET(self) -> None:
        """A bulk operation's result file (its `url`)."""
        found = re.fullmatch(r"/bulk/(\d+)\.jsonl(\?.*)?", self.path)
        with self.store.lock:
            data = BulkOperations(self.store, dict).download(int(found.group(1))) if found else None
            if data is not None:
                self.store.bulk_downloads.append(dict(self.headers))
        if data is None:
            self._json(404, {"errors": "Not Found"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        schema = admin_schema()
        document, problems = checked(query)
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
