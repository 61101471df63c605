"""`ezy up --demo`: a demo tenant with two instances syncing into a counting sink every minute: a sample
store, and products read through the `shopify` connector from a local stand-in store (ezy.demo_shopify,
served by `ezy up` on loopback; not Shopify, no account needed)."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from ezy.connections import service as profiles_service
from ezy.connections.contracts import ConnectionProfileFilter, ConnectionProfileInput, ConnectionProfilePatch
from ezy.connections.models import ConnectionProfile
from ezy.connectors.base import ConnectorKind
from ezy.context import TenantContext
from ezy.demo_shopify import DEMO_TOKEN
from ezy.demo_shopify.store import VERSION
from ezy.instances import service as instances_service
from ezy.instances.contracts import InstanceFilter, InstanceInput
from ezy.instances.models import Instance
from ezy.mappings import service as mappings_service
from ezy.mappings.contracts import MappingConfigurationInput
from ezy.pagination import Page, PageRequest
from ezy.schedules import service as schedules_service
from ezy.schedules.contracts import ScheduleInput
from ezy.tenants.contracts import ApiKeyInput
from ezy.tenants.keys import create_key, create_tenant
from ezy.tenants.models import Tenant
from ezy.timefmt import utcnow

R = TypeVar("R")

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


async def ensure_demo(stand_in_url: str) -> Demo:
    """The demo tenant (made once, its instances added when missing), its stand-in Shopify profile
    pointed at `stand_in_url` (a new port each `ezy up`), and a fresh API key for it.

    Written through the services, as an API client would (validated, versioned, in the audit log as
    the CLI's), inside a runtime without a queue (`Runtime(..., embedded="none")`).
    """
    tenant = await Tenant.get_or_none(name=DEMO_TENANT)
    if tenant is None:
        tenant, issued = await create_tenant(DEMO_TENANT, origin="cli")
        ctx = TenantContext(tenant.id, origin="cli")
    else:
        ctx = TenantContext(tenant.id, origin="cli")
        issued = await create_key(ctx, ApiKeyInput(name=f"demo {utcnow():%Y-%m-%d %H:%M}"))
    profiles = {
        p.name: p for p in await _all(profiles_service.list_page(ctx, _ALL, ConnectionProfileFilter()))
    }
    instances = {i.name: i for i in await _all(instances_service.list_page(ctx, _ALL, InstanceFilter()))}
    sink = profiles.get("counting sink") or await _profile(ctx, "counting sink", {})
    sample = instances.get(SAMPLE_INSTANCE)
    if sample is None:
        # The store's `updated_at` moves on with each record, so each minute's run is incremental.
        source = profiles.get("sample store") or await _profile(
            ctx, "sample store", {"count": 500, "seed": 42}
        )
        sample = await _instance(ctx, SAMPLE_INSTANCE, source, sink, "products", DOCUMENT)
    stand_in = await _stand_in_profile(ctx, profiles.get(STAND_IN_PROFILE), stand_in_url)
    shopify = instances.get(SHOPIFY_INSTANCE)
    if shopify is None:
        shopify = await _instance(ctx, SHOPIFY_INSTANCE, stand_in, sink, "shopify products", SHOPIFY_DOCUMENT)
    return Demo(str(sample.id), str(shopify.id), issued.secret)


_ALL = PageRequest(1, 200)  # the demo tenant holds a handful of each


async def _all(page: Awaitable[Page[R]]) -> list[R]:
    return (await page).items


async def _profile(
    ctx: TenantContext, name: str, config: dict[str, Any], kind: ConnectorKind = ConnectorKind.SAMPLE
) -> ConnectionProfile:
    return await profiles_service.create(ctx, ConnectionProfileInput(name=name, kind=kind, config=config))


async def _stand_in_profile(
    ctx: TenantContext, profile: ConnectionProfile | None, url: str
) -> ConnectionProfile:
    config = {"shopDomain": "local-stand-in.myshopify.com", "apiVersion": VERSION, "endpoint": url}
    if profile is None:
        data = ConnectionProfileInput(
            name=STAND_IN_PROFILE,
            kind=ConnectorKind.SHOPIFY,
            config=config,
            secrets={"accessToken": DEMO_TOKEN},
        )
        return await profiles_service.create(ctx, data)
    if profile.config != config:
        change = ConnectionProfilePatch(config=config)
        return await profiles_service.patch(ctx, profile.id, change, profile.version)
    return profile


async def _instance(
    ctx: TenantContext,
    name: str,
    source: ConnectionProfile,
    sink: ConnectionProfile,
    mapping_name: str,
    document: dict[str, Any],
) -> Instance:
    mapping = await mappings_service.create(
        ctx, MappingConfigurationInput(name=mapping_name, document=document)
    )
    data = InstanceInput(
        name=name, source_profile_id=source.id, target_profile_id=sink.id, mapping_id=mapping.id
    )
    instance = await instances_service.create(ctx, data)
    instance = await instances_service.activate(ctx, instance.id, instance.version)
    await schedules_service.create(ctx, ScheduleInput(instance_id=instance.id, cron="* * * * *"))
    return instance
