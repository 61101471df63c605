"""The newest `updated_at` applied per entity of an instance, for skipping stale webhook deliveries.

One row per (instance, entity key), e.g. (an instance, "products:632910392"): the entity's own
`updated_at` of the newest delivery a micro-batched webhook run loaded for it, and that delivery.
Written in the transaction that settles the micro-batch (ezy/webhooks/watermarks.py); a delivery
older than it is settled `skipped`. Rows go with their instance (ON DELETE CASCADE).
Written for both dialects, like the initial migration. No MODELS_STATE (as in `2_...`).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "webhook_entity_watermarks" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "tenant_id" CHAR(36) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "entity_key" VARCHAR(255) NOT NULL,
    "source_updated_at" TIMESTAMP NOT NULL,
    "delivery_id" CHAR(36) NOT NULL,
    "instance_id" CHAR(36) NOT NULL REFERENCES "instances" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_webhook_ent_instanc_5e1f0a" UNIQUE ("instance_id", "entity_key")
);
CREATE INDEX IF NOT EXISTS "idx_webhook_ent_tenant__9c3d21" ON "webhook_entity_watermarks" ("tenant_id");"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "webhook_entity_watermarks" (
    "id" UUID NOT NULL PRIMARY KEY,
    "tenant_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "entity_key" VARCHAR(255) NOT NULL,
    "source_updated_at" TIMESTAMPTZ NOT NULL,
    "delivery_id" UUID NOT NULL,
    "instance_id" UUID NOT NULL REFERENCES "instances" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_webhook_ent_instanc_5e1f0a" UNIQUE ("instance_id", "entity_key")
);
CREATE INDEX IF NOT EXISTS "idx_webhook_ent_tenant__9c3d21" ON "webhook_entity_watermarks" ("tenant_id");"""

DOWNGRADE = """
DROP TABLE IF EXISTS "webhook_entity_watermarks";"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE
