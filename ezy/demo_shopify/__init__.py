"""A local stand-in for a Shopify store (not Shopify): `ezy up --demo` serves one on loopback so its
`shopify` instance syncs without a Shopify account, and the tests use the same server as their fake."""

from __future__ import annotations

from ezy.connectors.sample import SampleConnector
from ezy.demo_shopify.store import FakeStore

DEMO_PRODUCTS = 40
DEMO_TOKEN = "shpat_local_demo_stand_in"  # not a credential: the stand-in accepts only this


def demo_store() -> FakeStore:
    """The demo's stand-in store: generated products in webhook shape, with query-cost pacing at the
    rate of Shopify's largest plans (1,000 points a second) so a demo run takes seconds, not minutes."""
    products = SampleConnector({"count": DEMO_PRODUCTS, "seed": 7}).generate("products", 0, DEMO_PRODUCTS)
    return FakeStore(
        token=DEMO_TOKEN,
        name="Local stand-in store (not Shopify)",
        products=products,
        maximum=10_000.0,
        available=10_000.0,
        restore_rate=1_000.0,
    )
