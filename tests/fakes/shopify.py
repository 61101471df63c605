"""The fake Shopify Admin GraphQL store the tests use: the package's stand-in (ezy.demo_shopify.store),
which `ezy up --demo` also serves."""

from ezy.demo_shopify.store import VERSION, FakeStore, admin_schema, query_cost, serve_store

__all__ = ["VERSION", "FakeStore", "admin_schema", "query_cost", "serve_store"]
