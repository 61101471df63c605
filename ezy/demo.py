"""`ezy up --demo`: a demo tenant whose sample store syncs into a counting sink every minute."""

from __future__ import annotations

from typing import Any

from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.schedules.cron import next_run
from ezy.schedules.models import Schedule
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


async def ensure_demo() -> tuple[str, str]:
    """The demo tenant (made once) and a fresh API key for it; returns (instance id, key)."""
    tenant = await Tenant.get_or_none(name=DEMO_TENANT)
    if tenant is None:
        tenant, issued = await create_tenant(DEMO_TENANT)
        instance = await _build(tenant.id)
    else:
        issued = await create_key(TenantContext(tenant.id), f"demo {utcnow():%Y-%m-%d %H:%M}")
        instance = await Instance.get(tenant_id=tenant.id, name="sample store -> sink")
    return str(instance.id), issued.secret


async def _build(tenant_id: Any) -> Instance:
    # The store's `updated_at` moves on with each record, so each minute's run is incremental.
    source = await ConnectionProfile.create(
        tenant_id=tenant_id, name="sample store", kind="sample", config={"count": 500, "seed": 42}
    )
    sink = await ConnectionProfile.create(tenant_id=tenant_id, name="counting sink", kind="sample", config={})
    mapping = await MappingConfiguration.create(tenant_id=tenant_id, name="products", document=DOCUMENT)
    instance = await Instance.create(
        tenant_id=tenant_id,
        name="sample store -> sink",
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
