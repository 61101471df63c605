"""End to end through the API: a tenant's `shopify` profile against the fake store, tested, then run."""

from __future__ import annotations

from typing import Any

import httpx

from ezy.runs.models import EntityError
from tests import resources as r
from tests.conftest import TestTenant
from tests.connectors.test_http_runs import run_instance
from tests.fakes.shopify import VERSION, FakeStore
from tests.runs.conftest import Drain

DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 50},
    "normalize": {"timestamps": ["updated_at"]},
    "transform": {"key": "handle", "fields": {"handle": "handle", "title": "title", "skus": "variants.sku"}},
    "validate": {"required": ["handle"]},
    "load": {"resource": "items", "keys": ["handle"]},
}


def shopify_profile(store: FakeStore, token: str | None = None) -> dict[str, Any]:
    return {
        "kind": "shopify",
        "config": {"shopDomain": store.domain, "apiVersion": VERSION, "endpoint": store.base_url},
        "secrets": {"accessToken": token or store.token},
    }


async def test_a_tenant_tests_a_shopify_profile(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore
) -> None:
    good = await r.make_profile(client, tenant, **shopify_profile(shopify_store))
    bad = await r.make_profile(client, tenant, **shopify_profile(shopify_store, "shpat_revoked"))
    url = f"{r.API}/connection-profiles/{{}}/test"
    ok = (await client.post(url.format(good["id"]), headers=tenant.headers)).json()
    refused = (await client.post(url.format(bad["id"]), headers=tenant.headers)).json()
    assert ok["ok"] is True and "shop 'Fake Store'" in ok["detail"] and "read_products" in ok["detail"]
    assert refused["ok"] is False and "refused the access token" in refused["detail"]
    assert "shpat_revoked" not in refused["detail"]


async def test_a_run_reads_every_product_of_the_store(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore, drain: Drain
) -> None:
    sink = {"kind": "sample", "config": {}}
    log = await run_instance(client, tenant, drain, shopify_profile(shopify_store), sink, DOCUMENT)
    assert log["status"] == "succeeded", log["error"]
    assert log["counts"] == {"total": 31, "success": 31, "failed": 0, "skipped": 0}
    assert shopify_store.invalid == [] and shopify_store.throttled == 0


async def test_a_run_creates_products_and_user_errors_reach_the_dlq_naming_the_field(
    client: httpx.AsyncClient, tenant: TestTenant, shopify_store: FakeStore, drain: Drain
) -> None:
    before = len(shopify_store.products)
    document = {
        "version": 1,
        "extract": {"resource": "products", "batchSize": 10},
        "normalize": {"trimStrings": True, "emptyAsNull": True},
        "transform": {
            "key": "handle",
            "fields": {
                # Two of the twenty (handles ending 3 and 13) get a blank title, which Shopify refuses.
                "title": "$contains(handle, '3') ? ' ' : title",
                "vendor": "vendor",
                "product_type": "product_type",
                "tags": "tags",
                "variants": "variants",
            },
        },
        "load": {"resource": "products", "mode": "insert", "batchSize": 10},
    }
    sample = {"kind": "sample", "config": {"count": 20, "seed": 2}}
    log = await run_instance(client, tenant, drain, sample, shopify_profile(shopify_store), document)
    assert log["counts"] == {"total": 20, "success": 18, "failed": 2, "skipped": 0}
    assert len(shopify_store.products) == before + 18 and shopify_store.invalid == []
    errors = await EntityError.filter(sync_log_id=log["id"])
    assert [e.message for e in errors] == ["title: Title can't be blank"] * 2
