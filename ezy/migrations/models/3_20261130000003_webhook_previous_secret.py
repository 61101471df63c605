"""Webhook endpoints keep their previous secret for a while after it is replaced; deliveries are
found by the run that took them.

`previous_secret_encrypted` holds the secret a PUT/PATCH replaced, `previous_secret_valid_until`
until when the receiver still accepts signatures made with it (EZY_WEBHOOK_PREVIOUS_SECRET_SECONDS).
Micro-batched runs look their deliveries up by `sync_log_id` (ezy/webhooks/batches.py): indexed.
Written for both dialects, like the initial migration. No MODELS_STATE (as in `2_...`): aerich records
the models as they are at upgrade time, whichever order parallel migrations were merged in.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "webhook_endpoints" ADD "previous_secret_encrypted" TEXT;
ALTER TABLE "webhook_endpoints" ADD "previous_secret_valid_until" TIMESTAMP;
CREATE INDEX IF NOT EXISTS "idx_webhook_del_sync_lo_4f5138" ON "webhook_deliveries" ("sync_log_id");"""

POSTGRES = """
ALTER TABLE "webhook_endpoints" ADD "previous_secret_encrypted" TEXT;
ALTER TABLE "webhook_endpoints" ADD "previous_secret_valid_until" TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS "idx_webhook_del_sync_lo_4f5138" ON "webhook_deliveries" ("sync_log_id");"""

DOWNGRADE = """
DROP INDEX IF EXISTS "idx_webhook_del_sync_lo_4f5138";
ALTER TABLE "webhook_endpoints" DROP COLUMN "previous_secret_encrypted";
ALTER TABLE "webhook_endpoints" DROP COLUMN "previous_secret_valid_until";"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE
