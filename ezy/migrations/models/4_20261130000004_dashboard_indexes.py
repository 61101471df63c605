"""Indexes for the dashboards and deep sync-log pages; sync logs counted per tenant and hour.

- `sync_logs (tenant_id, created_at, id)` replaces `(tenant_id, created_at)`: the list's order
  (`created_at DESC, id DESC`) read straight off the index, with no sort.
- `entity_errors (tenant_id, created_at)`: the errors of a range's partial end hours (hot-spots).
- `sync_log_hours`: how many sync logs each tenant has per hour (`hour` = whole hours since the
  Unix epoch of `created_at`), kept by triggers on `sync_logs` in the same transaction, so it is
  exact in every snapshot. An unfiltered list takes its total from it (a sum over hours, not a count
  over runs), and a deep page starts in the right hour instead of skipping every newer run.
  Backfilled here from the rows that exist.
- `run_hours`: runs per tenant, hour, instance and status with their records and failed records
  summed, kept by a row trigger on `sync_logs` (a run changes status and counts a few times).
  Run history (`runHistory`, `runTotals`) sums the whole hours of a range from it.
- `entity_error_hours`: the same per tenant, hour, stage and code for entity errors (PostgreSQL:
  per statement, since a run writes its errors in batches). Error hot-spots sum the whole hours of
  a range from it and count only the partial hours at its ends; `entity_errors (tenant_id, stage,
  code, created_at)` (replacing `(tenant_id, stage, code)`) finds each hot-spot's last error.

Written for both dialects, like the initial migration. No MODELS_STATE (as in `2_...`).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


def _sqlite_hour(column: str) -> str:
    """Whole hours since the epoch, exactly: SQLite's date functions keep milliseconds only, so
    10:59:59.9999 would round into the next hour; the seconds are cut before they see the text."""
    offset = (
        f"CASE WHEN length({column}) > 19 AND substr({column}, -6, 1) IN ('+', '-') "
        f"THEN substr({column}, -6) ELSE '' END"
    )
    return f"CAST(strftime('%s', substr({column}, 1, 19) || {offset}) AS INTEGER) / 3600"


_SQLITE = """
CREATE TABLE IF NOT EXISTS "sync_log_hours" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "tenant_id" CHAR(36) NOT NULL,
    "hour" BIGINT NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "uid_sync_log_ho_tenant__hour" UNIQUE ("tenant_id", "hour")
);
INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
    SELECT "tenant_id", {hour} AS "h", COUNT(*)
    FROM "sync_logs" GROUP BY "tenant_id", "h";
CREATE TRIGGER IF NOT EXISTS "sync_log_hours_insert" AFTER INSERT ON "sync_logs" BEGIN
    INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
        VALUES (NEW."tenant_id", {new_hour}, 1)
        ON CONFLICT ("tenant_id", "hour") DO UPDATE SET "n" = "n" + 1;
END;
CREATE TRIGGER IF NOT EXISTS "sync_log_hours_delete" AFTER DELETE ON "sync_logs" BEGIN
    UPDATE "sync_log_hours" SET "n" = "n" - 1
        WHERE "tenant_id" = OLD."tenant_id"
        AND "hour" = {old_hour};
END;
CREATE TRIGGER IF NOT EXISTS "sync_log_hours_update" AFTER UPDATE OF "tenant_id", "created_at" ON "sync_logs"
BEGIN
    UPDATE "sync_log_hours" SET "n" = "n" - 1
        WHERE "tenant_id" = OLD."tenant_id"
        AND "hour" = {old_hour};
    INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
        VALUES (NEW."tenant_id", {new_hour}, 1)
        ON CONFLICT ("tenant_id", "hour") DO UPDATE SET "n" = "n" + 1;
END;
CREATE TABLE IF NOT EXISTS "run_hours" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "tenant_id" CHAR(36) NOT NULL,
    "hour" BIGINT NOT NULL,
    "instance_id" CHAR(36) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "n" BIGINT NOT NULL,
    "records" BIGINT NOT NULL,
    "failed" BIGINT NOT NULL,
    CONSTRAINT "uid_run_hours_tenant__hour" UNIQUE ("tenant_id", "hour", "instance_id", "status")
);
INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
    SELECT "tenant_id", {hour} AS "h", "instance_id", "status", COUNT(*), SUM("total"), SUM("failed")
    FROM "sync_logs" GROUP BY "tenant_id", "h", "instance_id", "status";
CREATE TRIGGER IF NOT EXISTS "run_hours_insert" AFTER INSERT ON "sync_logs" BEGIN
    INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
        VALUES (NEW."tenant_id", {new_hour}, NEW."instance_id", NEW."status", 1, NEW."total", NEW."failed")
        ON CONFLICT ("tenant_id", "hour", "instance_id", "status") DO UPDATE
        SET "n" = "n" + 1, "records" = "records" + excluded."records", "failed" = "failed" + excluded."failed";
END;
CREATE TRIGGER IF NOT EXISTS "run_hours_delete" AFTER DELETE ON "sync_logs" BEGIN
    UPDATE "run_hours" SET "n" = "n" - 1, "records" = "records" - OLD."total", "failed" = "failed" - OLD."failed"
        WHERE "tenant_id" = OLD."tenant_id" AND "hour" = {old_hour}
        AND "instance_id" = OLD."instance_id" AND "status" = OLD."status";
END;
CREATE TRIGGER IF NOT EXISTS "run_hours_update"
    AFTER UPDATE OF "tenant_id", "created_at", "instance_id", "status", "total", "failed" ON "sync_logs"
BEGIN
    UPDATE "run_hours" SET "n" = "n" - 1, "records" = "records" - OLD."total", "failed" = "failed" - OLD."failed"
        WHERE "tenant_id" = OLD."tenant_id" AND "hour" = {old_hour}
        AND "instance_id" = OLD."instance_id" AND "status" = OLD."status";
    INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
        VALUES (NEW."tenant_id", {new_hour}, NEW."instance_id", NEW."status", 1, NEW."total", NEW."failed")
        ON CONFLICT ("tenant_id", "hour", "instance_id", "status") DO UPDATE
        SET "n" = "n" + 1, "records" = "records" + excluded."records", "failed" = "failed" + excluded."failed";
END;
CREATE TABLE IF NOT EXISTS "entity_error_hours" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "tenant_id" CHAR(36) NOT NULL,
    "hour" BIGINT NOT NULL,
    "stage" VARCHAR(16) NOT NULL,
    "code" VARCHAR(64) NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "uid_entity_erro_tenant__hour" UNIQUE ("tenant_id", "hour", "stage", "code")
);
INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
    SELECT "tenant_id", {hour} AS "h", "stage", "code", COUNT(*)
    FROM "entity_errors" GROUP BY "tenant_id", "h", "stage", "code";
CREATE TRIGGER IF NOT EXISTS "entity_error_hours_insert" AFTER INSERT ON "entity_errors" BEGIN
    INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
        VALUES (NEW."tenant_id", {new_hour}, NEW."stage", NEW."code", 1)
        ON CONFLICT ("tenant_id", "hour", "stage", "code") DO UPDATE SET "n" = "n" + 1;
END;
CREATE TRIGGER IF NOT EXISTS "entity_error_hours_delete" AFTER DELETE ON "entity_errors" BEGIN
    UPDATE "entity_error_hours" SET "n" = "n" - 1
        WHERE "tenant_id" = OLD."tenant_id" AND "hour" = {old_hour}
        AND "stage" = OLD."stage" AND "code" = OLD."code";
END;
CREATE TRIGGER IF NOT EXISTS "entity_error_hours_update"
    AFTER UPDATE OF "tenant_id", "created_at", "stage", "code" ON "entity_errors"
BEGIN
    UPDATE "entity_error_hours" SET "n" = "n" - 1
        WHERE "tenant_id" = OLD."tenant_id" AND "hour" = {old_hour}
        AND "stage" = OLD."stage" AND "code" = OLD."code";
    INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
        VALUES (NEW."tenant_id", {new_hour}, NEW."stage", NEW."code", 1)
        ON CONFLICT ("tenant_id", "hour", "stage", "code") DO UPDATE SET "n" = "n" + 1;
END;
DROP INDEX IF EXISTS "idx_sync_logs_tenant__ff44e0";
CREATE INDEX IF NOT EXISTS "idx_sync_logs_tenant__c2a5e1" ON "sync_logs" ("tenant_id", "created_at", "id");
DROP INDEX IF EXISTS "idx_entity_erro_tenant__30e53a";
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__8e0f4c" ON "entity_errors" ("tenant_id", "stage", "code", "created_at");
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__5d1c9b" ON "entity_errors" ("tenant_id", "created_at");"""
SQLITE = _SQLITE.format(
    hour=_sqlite_hour('"created_at"'),
    new_hour=_sqlite_hour('NEW."created_at"'),
    old_hour=_sqlite_hour('OLD."created_at"'),
)

# One function for the three events; a changed row leaves its old hour and joins its new one.
POSTGRES = """
CREATE TABLE IF NOT EXISTS "sync_log_hours" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "tenant_id" UUID NOT NULL,
    "hour" BIGINT NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "uid_sync_log_ho_tenant__hour" UNIQUE ("tenant_id", "hour")
);
INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", COUNT(*)
    FROM "sync_logs" GROUP BY "tenant_id", "h";
CREATE OR REPLACE FUNCTION "sync_log_hours_count"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE "sync_log_hours" SET "n" = "n" - 1
            WHERE "tenant_id" = OLD."tenant_id"
            AND "hour" = floor(extract(epoch FROM OLD."created_at") / 3600)::BIGINT;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
            VALUES (NEW."tenant_id", floor(extract(epoch FROM NEW."created_at") / 3600)::BIGINT, 1)
            ON CONFLICT ("tenant_id", "hour") DO UPDATE SET "n" = "sync_log_hours"."n" + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER "sync_log_hours_count" AFTER INSERT OR DELETE OR UPDATE OF "tenant_id", "created_at"
    ON "sync_logs" FOR EACH ROW EXECUTE FUNCTION "sync_log_hours_count"();
CREATE TABLE IF NOT EXISTS "run_hours" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "tenant_id" UUID NOT NULL,
    "hour" BIGINT NOT NULL,
    "instance_id" UUID NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "n" BIGINT NOT NULL,
    "records" BIGINT NOT NULL,
    "failed" BIGINT NOT NULL,
    CONSTRAINT "uid_run_hours_tenant__hour" UNIQUE ("tenant_id", "hour", "instance_id", "status")
);
INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", "instance_id", "status",
        COUNT(*), SUM("total"), SUM("failed")
    FROM "sync_logs" GROUP BY "tenant_id", "h", "instance_id", "status";
CREATE OR REPLACE FUNCTION "run_hours_add"(t UUID, at TIMESTAMPTZ, i UUID, s VARCHAR, dn BIGINT, dr BIGINT, df BIGINT)
RETURNS VOID LANGUAGE sql AS $$
    INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
        VALUES (t, floor(extract(epoch FROM at) / 3600)::BIGINT, i, s, dn, dr, df)
        ON CONFLICT ("tenant_id", "hour", "instance_id", "status") DO UPDATE
        SET "n" = "run_hours"."n" + dn, "records" = "run_hours"."records" + dr, "failed" = "run_hours"."failed" + df;
$$;
-- A changed run leaves its old group and joins its new one; the two rows are locked in key order,
-- so two runs moving between the same groups in opposite directions cannot deadlock.
CREATE OR REPLACE FUNCTION "run_hours_count"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM "run_hours_add"(NEW."tenant_id", NEW."created_at", NEW."instance_id", NEW."status", 1, NEW."total", NEW."failed");
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM "run_hours_add"(OLD."tenant_id", OLD."created_at", OLD."instance_id", OLD."status", -1, -OLD."total", -OLD."failed");
    ELSIF (OLD."tenant_id", floor(extract(epoch FROM OLD."created_at") / 3600), OLD."instance_id", OLD."status")
        = (NEW."tenant_id", floor(extract(epoch FROM NEW."created_at") / 3600), NEW."instance_id", NEW."status") THEN
        PERFORM "run_hours_add"(NEW."tenant_id", NEW."created_at", NEW."instance_id", NEW."status",
            0, NEW."total" - OLD."total", NEW."failed" - OLD."failed");
    ELSIF (OLD."tenant_id", floor(extract(epoch FROM OLD."created_at") / 3600), OLD."instance_id", OLD."status")
        < (NEW."tenant_id", floor(extract(epoch FROM NEW."created_at") / 3600), NEW."instance_id", NEW."status") THEN
        PERFORM "run_hours_add"(OLD."tenant_id", OLD."created_at", OLD."instance_id", OLD."status", -1, -OLD."total", -OLD."failed");
        PERFORM "run_hours_add"(NEW."tenant_id", NEW."created_at", NEW."instance_id", NEW."status", 1, NEW."total", NEW."failed");
    ELSE
        PERFORM "run_hours_add"(NEW."tenant_id", NEW."created_at", NEW."instance_id", NEW."status", 1, NEW."total", NEW."failed");
        PERFORM "run_hours_add"(OLD."tenant_id", OLD."created_at", OLD."instance_id", OLD."status", -1, -OLD."total", -OLD."failed");
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER "run_hours_count"
    AFTER INSERT OR DELETE OR UPDATE OF "tenant_id", "created_at", "instance_id", "status", "total", "failed"
    ON "sync_logs" FOR EACH ROW EXECUTE FUNCTION "run_hours_count"();
CREATE TABLE IF NOT EXISTS "entity_error_hours" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "tenant_id" UUID NOT NULL,
    "hour" BIGINT NOT NULL,
    "stage" VARCHAR(16) NOT NULL,
    "code" VARCHAR(64) NOT NULL,
    "n" BIGINT NOT NULL,
    CONSTRAINT "uid_entity_erro_tenant__hour" UNIQUE ("tenant_id", "hour", "stage", "code")
);
INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", "stage", "code", COUNT(*)
    FROM "entity_errors" GROUP BY "tenant_id", "h", "stage", "code";
-- Per statement (a run writes its errors in batches), in key order so that concurrent writers
-- lock the same rows in the same order.
CREATE OR REPLACE FUNCTION "entity_error_hours_count"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
            SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT, "stage", "code", -COUNT(*)
            FROM "removed" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT ("tenant_id", "hour", "stage", "code")
            DO UPDATE SET "n" = "entity_error_hours"."n" + EXCLUDED."n";
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
            SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT, "stage", "code", COUNT(*)
            FROM "added" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT ("tenant_id", "hour", "stage", "code")
            DO UPDATE SET "n" = "entity_error_hours"."n" + EXCLUDED."n";
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER "entity_error_hours_insert" AFTER INSERT ON "entity_errors"
    REFERENCING NEW TABLE AS "added" FOR EACH STATEMENT EXECUTE FUNCTION "entity_error_hours_count"();
CREATE TRIGGER "entity_error_hours_delete" AFTER DELETE ON "entity_errors"
    REFERENCING OLD TABLE AS "removed" FOR EACH STATEMENT EXECUTE FUNCTION "entity_error_hours_count"();
CREATE TRIGGER "entity_error_hours_update" AFTER UPDATE ON "entity_errors"
    REFERENCING OLD TABLE AS "removed" NEW TABLE AS "added"
    FOR EACH STATEMENT EXECUTE FUNCTION "entity_error_hours_count"();
DROP INDEX IF EXISTS "idx_sync_logs_tenant__ff44e0";
CREATE INDEX IF NOT EXISTS "idx_sync_logs_tenant__c2a5e1" ON "sync_logs" ("tenant_id", "created_at", "id");
DROP INDEX IF EXISTS "idx_entity_erro_tenant__30e53a";
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__8e0f4c"
    ON "entity_errors" ("tenant_id", "stage", "code", "created_at");
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__5d1c9b" ON "entity_errors" ("tenant_id", "created_at");
ANALYZE "sync_log_hours";
ANALYZE "entity_error_hours";
ANALYZE "run_hours";"""

DOWNGRADE = """
DROP INDEX IF EXISTS "idx_entity_erro_tenant__5d1c9b";
DROP INDEX IF EXISTS "idx_entity_erro_tenant__8e0f4c";
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__30e53a" ON "entity_errors" ("tenant_id", "stage", "code");
DROP TRIGGER IF EXISTS "entity_error_hours_insert";
DROP TRIGGER IF EXISTS "entity_error_hours_delete";
DROP TRIGGER IF EXISTS "entity_error_hours_update";
DROP TABLE IF EXISTS "entity_error_hours";
DROP TRIGGER IF EXISTS "run_hours_insert";
DROP TRIGGER IF EXISTS "run_hours_delete";
DROP TRIGGER IF EXISTS "run_hours_update";
DROP TABLE IF EXISTS "run_hours";
DROP INDEX IF EXISTS "idx_sync_logs_tenant__c2a5e1";
CREATE INDEX IF NOT EXISTS "idx_sync_logs_tenant__ff44e0" ON "sync_logs" ("tenant_id", "created_at");
DROP TRIGGER IF EXISTS "sync_log_hours_insert";
DROP TRIGGER IF EXISTS "sync_log_hours_delete";
DROP TRIGGER IF EXISTS "sync_log_hours_update";
DROP TABLE IF EXISTS "sync_log_hours";"""

POSTGRES_DOWNGRADE = """
DROP INDEX IF EXISTS "idx_entity_erro_tenant__5d1c9b";
DROP INDEX IF EXISTS "idx_entity_erro_tenant__8e0f4c";
CREATE INDEX IF NOT EXISTS "idx_entity_erro_tenant__30e53a" ON "entity_errors" ("tenant_id", "stage", "code");
DROP TRIGGER IF EXISTS "entity_error_hours_insert" ON "entity_errors";
DROP TRIGGER IF EXISTS "entity_error_hours_delete" ON "entity_errors";
DROP TRIGGER IF EXISTS "entity_error_hours_update" ON "entity_errors";
DROP FUNCTION IF EXISTS "entity_error_hours_count"();
DROP TABLE IF EXISTS "entity_error_hours";
DROP TRIGGER IF EXISTS "run_hours_count" ON "sync_logs";
DROP FUNCTION IF EXISTS "run_hours_count"();
DROP FUNCTION IF EXISTS "run_hours_add"(UUID, TIMESTAMPTZ, UUID, VARCHAR, BIGINT, BIGINT, BIGINT);
DROP TABLE IF EXISTS "run_hours";
DROP INDEX IF EXISTS "idx_sync_logs_tenant__c2a5e1";
CREATE INDEX IF NOT EXISTS "idx_sync_logs_tenant__ff44e0" ON "sync_logs" ("tenant_id", "created_at");
DROP TRIGGER IF EXISTS "sync_log_hours_count" ON "sync_logs";
DROP FUNCTION IF EXISTS "sync_log_hours_count"();
DROP TABLE IF EXISTS "sync_log_hours";"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES_DOWNGRADE if db.capabilities.dialect == "postgres" else DOWNGRADE
