"""The audit log table. SQL as aerich/Tortoise generate it for each dialect (as in the initial migration).

It depends on no other migration: aerich applies every file not yet recorded, in the order of the
number before the first `_`, so it applies with or without `1_...` present, and after it when both are.
No MODELS_STATE: aerich then records the models as they are at upgrade time, which stays right
whichever order parallel migrations were merged in.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "tenant_id" CHAR(36) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "actor_type" VARCHAR(16) NOT NULL,
    "actor_key_id" CHAR(36),
    "actor_key_prefix" VARCHAR(40),
    "action" VARCHAR(64) NOT NULL,
    "resource_type" VARCHAR(64) NOT NULL,
    "resource_id" VARCHAR(64),
    "details" JSON NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__b864de" ON "audit_log" ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__ec4f75" ON "audit_log" ("tenant_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__058b28" ON "audit_log" ("tenant_id", "action", "created_at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__d6422f" ON "audit_log" ("tenant_id", "resource_type", "resource_id");"""

POSTGRES = """
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" UUID NOT NULL PRIMARY KEY,
    "tenant_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "actor_type" VARCHAR(16) NOT NULL,
    "actor_key_id" UUID,
    "actor_key_prefix" VARCHAR(40),
    "action" VARCHAR(64) NOT NULL,
    "resource_type" VARCHAR(64) NOT NULL,
    "resource_id" VARCHAR(64),
    "details" JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__b864de" ON "audit_log" ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__ec4f75" ON "audit_log" ("tenant_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__058b28" ON "audit_log" ("tenant_id", "action", "created_at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_tenant__d6422f" ON "audit_log" ("tenant_id", "resource_type", "resource_id");
COMMENT ON TABLE "audit_log" IS 'One configuration, key or DLQ action: who, what, when.';"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return 'DROP TABLE IF EXISTS "audit_log";'
