"""`ezy up --demo`: a demo tenant with two instances syncing into a counting sink every minute: a sample
store, and products read through the `shopify` connector from a local stand-in store (ezy.demo_shopify,
served by `ezy up` on loopback; not Shopify, no account needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ezy.config import Settings
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.demo_shopify import DEMO_TOKEN
from ezy.demo_shopify.store import VERSION
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.schedules.cron import next_run
from ezy.schedules.models import Schedule
from ezy.secretbox import SecretBox, settings_key
from ezy.tenants.contracts import ApiKeyInput
from ezy.tenants.keys import create_key, create_tenant
from ezy.tenants.models import Tenant
from ezy.timefmt import utcnow

DEMO_TENANT = "demo"
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 100},
    "normalize": {"trimStrings": True, "emptyAsNull": True, "timestamps": ["updated_at"]},
    "transform": {
        "key": "$string(id)",
        "fields": {
            "externalId": "$string(id)",
            "title": "title",
            "sku": "variants[0].sku",
            "price": "$number(variants[0].price)",
            "updatedAt": "updated_at",
        },
        "defaults": {"currency": "USD"},
    },
    "validate": {
        "required": ["externalId", "sku"],
        "schema": {"type": "object", "properties": {"price": {"type": "number", "maximum": 150}}},
    },
    "load": {"resource": "products", "keys": ["externalId"]},
}


SAMPLE_INSTANCE = "sample store -> sink"
SHOPIFY_INSTANCE = "stand-in Shopify store -> sink"
STAND_IN_PROFILE = "local stand-in Shopify store (not Shopify)"
# Shopify's webhook-shaped products (what the `shopify` connector reads) -> a few fields.
SHOPIFY_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 50},
    "normalize": {"trimStrings": True, "emptyAsNull": True, "timestamps": ["updated_at"]},
    "transform": {
        "key": "$string(id)",
        "fields": {
            "externalId": "$string(id)",
            "title": "title",
            "vendor": "vendor",
            "sku": "variants[0].sku",
            "price": "$number(variants[0].price)",
            "updatedAt": "updated_at",
        },
    },
    "validate": {"required": ["externalId", "title"]},
    "load": {"resource": "products", "keys": ["externalId"]},
}


@dataclass(frozen=True)
class Demo:
    sample_instance: str
    shopify_instance: str
    key: str


async def ensure_demo(settings: Settings, stand_in_url: str) -> Demo:
    """The demo tenant (made once, its instances added when missing), its stand-in Shopify profile
    pointed at `stand_in_url` (a new port each `ezy up`), and a fresh API key for it."""
    tenant = await Tenant.get_or_none(name=DEMO_TENANT)
    if tenant is None:
        tenant, issued = await create_tenant(DEMO_TENANT)
    else:
        issued = await create_key(
            TenantContext(tenant.id), ApiKeyInput(name=f"demo {utcnow():%Y-%m-%d %H:%M}")
        )
    sink = await ConnectionProfile.get_or_none(tenant_id=tenant.id, name="counting sink")
    if sink is None:
        sink = await ConnectionProfile.create(
            tenant_id=tenant.id, name="counting sink", kind="sample", config={}
        )
    sample = await Instance.get_or_none(tenant_id=tenant.id, name=SAMPLE_INSTANCE)
    if sample is None:
        sample = await _build_sample(tenant.id, sink)
    # The key the runtime will use (it has not started yet): EZY_SECRET_KEY, or the embedded default's.
    box = SecretBox(settings_key(settings.secret_key, settings.data_dir))
    stand_in = await _stand_in_profile(tenant.id, box, stand_in_url)
    shopify = await Instance.get_or_none(tenant_id=tenant.id, name=SHOPIFY_INSTANCE)
    if shopify is None:
        mapping = await MappingConfiguration.create(
            tenant_id=tenant.id, name="shopify products", document=SHOPIFY_DOCUMENT
        )
        shopify = await _instance(tenant.id, SHOPIFY_INSTANCE, stand_in, sink, mapping)
    return Demo(str(sample.id), str(shopify.id), issued.secret)


async def _stand_in_profile(tenant_id: Any, box: SecretBox, url: str) -> ConnectionProfile:
    config = {"shopDomain": "local-stand-in.myshopify.com", "apiVersion": VERSION, "endpoint": url}
    profile = await ConnectionProfile.get_or_none(tenant_id=tenant_id, name=STAND_IN_PROFILE)
    if profile is None:
        secrets = {"accessToken": DEMO_TOKEN}
        return await ConnectionProfile.create(
            tenant_id=tenant_id,
            name=STAND_IN_PROFILE,
            kind="shopify",
            config=config,
            secrets_encrypted=box.encrypt(secrets),
            secret_keys=sorted(secrets),
        )
    if profile.config != config:
        profile.config, profile.version = config, profile.version + 1
        await profile.save(update_fields=["config", "version", "updated_at"])
    return profile


async def _build_sample(tenant_id: Any, sink: ConnectionProfile) -> Instance:
    # The store's `updated_at` moves on with each record, so each minute's run is incremental.
    source = await ConnectionProfile.create(
        tenant_id=tenant_id, name="sample store", kind="sample", config={"count": 500, "seed": 42}
    )
    mapping = await MappingConfiguration.create(tenant_id=tenant_id, name="products", document=DOCUMENT)
    return await _instance(tenant_id, SAMPLE_INSTANCE, source, sink, mapping)


async def _instance(
    tenant_id: Any,
    name: str,
    source: ConnectionProfile,
    sink: ConnectionProfile,
    mapping: MappingConfiguration,
) -> Instance:
    instance = await Instance.create(
        tenant_id=tenant_id,
        name=name,
        source_profile=source,
        target_profile=sink,
        mapping=mapping,
        status="active",
    )
    await Schedule.create(
        tenant_id=tenant_id,
        instance=instance,
        cron="* * * * *",
        timezone="UTC",
        next_run_at=next_run("* * * * *", "UTC", utcnow()),
    )
    return instance
