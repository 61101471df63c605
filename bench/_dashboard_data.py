"""Sync logs and entity errors for `bench.dashboard`, written with COPY (seeded: the same data each run).

Several tenants, one holding the bulk; per tenant a few instances, the first ones busiest. Runs are
spread over the last 90 days; entity errors belong to partial and failed runs, a few seconds after
them, with a skewed stage/code mix. Secondary indexes are dropped during the COPY and rebuilt after
(as a restore would), then the tables are vacuumed and analysed, as autovacuum would in time.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import accumulate

import asyncpg

CHUNK = 100_000
DAYS = 90
STATUSES = [
    ("succeeded", 80), ("partial", 12), ("failed", 5), ("cancelled", 1), ("running", 1), ("queued", 1)
]  # fmt: skip
TRIGGERS = [("schedule", 70), ("webhook", 20), ("api", 8), ("replay", 2)]
HOTSPOTS = [
    (("validate", "required_missing"), 30),
    (("transform", "expression_error"), 18),
    (("validate", "invalid_type"), 15),
    (("load", "http_422"), 10),
    (("transform", "missing_field"), 7),
    (("validate", "too_long"), 5),
    (("load", "http_409"), 4),
    (("normalize", "bad_json"), 4),
    (("load", "timeout"), 3),
    (("normalize", "encoding"), 2),
    (("extract", "page_error"), 2),
]
LOG_COLUMNS = (
    "id tenant_id created_at instance_id correlation_id trigger status total success failed skipped "
    "stages started_at finished_at heartbeat_at attempt error overlap request"
).split()
ERROR_COLUMNS = (
    "id tenant_id created_at entity_key stage code message details dead_letter_id sync_log_id".split()
)


RECOUNT = """
DELETE FROM "sync_log_hours";
INSERT INTO "sync_log_hours" ("tenant_id", "hour", "n")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", COUNT(*)
    FROM "sync_logs" GROUP BY "tenant_id", "h";
DELETE FROM "run_hours";
INSERT INTO "run_hours" ("tenant_id", "hour", "instance_id", "status", "n", "records", "failed")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", "instance_id",
        "status", COUNT(*), SUM("total"), SUM("failed")
    FROM "sync_logs" GROUP BY "tenant_id", "h", "instance_id", "status";
DELETE FROM "entity_error_hours";
INSERT INTO "entity_error_hours" ("tenant_id", "hour", "stage", "code", "n")
    SELECT "tenant_id", floor(extract(epoch FROM "created_at") / 3600)::BIGINT AS "h", "stage", "code",
        COUNT(*)
    FROM "entity_errors" GROUP BY "tenant_id", "h", "stage", "code";"""


@dataclass(frozen=True)
class Tenant:
    id: uuid.UUID
    instances: Sequence[uuid.UUID]
    share: float  # of all sync logs

    @cached_property
    def cum_weights(self) -> list[float]:  # the first instance busiest
        return list(accumulate(1 / (i + 1) for i in range(len(self.instances))))


def _picker(rng: random.Random, weighted: Sequence[tuple[object, float]]) -> Iterator[object]:
    values, weights = [v for v, _ in weighted], list(accumulate(w for _, w in weighted))
    while True:
        yield from rng.choices(values, cum_weights=weights, k=10_000)


def _stages(rng: random.Random, total: int, failed: int) -> str:
    stages, flowing = {}, total
    for name in ("extract", "normalize", "transform", "validate", "load"):
        lost = min(flowing, failed) if name == "validate" else 0
        ms = round(rng.uniform(1, 900), 1)
        stages[name] = {"in": flowing, "out": flowing - lost, "failed": lost, "ms": ms}
        flowing -= lost
    return json.dumps(stages)


class Filler:
    def __init__(self, tenants: Sequence[Tenant], logs: int, errors: int, now: datetime) -> None:
        self.rng = random.Random(13)
        self.tenants, self.logs, self.errors, self.now = tenants, logs, errors, now
        self.failing: list[tuple[uuid.UUID, uuid.UUID, datetime, int]] = []  # (log, tenant, at, errors)

    def _log_rows(self) -> Iterator[tuple[object, ...]]:
        rng = self.rng
        status, trigger = _picker(rng, STATUSES), _picker(rng, TRIGGERS)
        tenant_pick = _picker(rng, [(t, t.share) for t in self.tenants])
        span = DAYS * 86_400
        for _ in range(self.logs):
            tenant: Tenant = next(tenant_pick)  # type: ignore[assignment]
            instance = rng.choices(tenant.instances, cum_weights=tenant.cum_weights)[0]
            created = self.now - timedelta(seconds=rng.random() * span)
            state = str(next(status))
            total = rng.randint(1, 400)
            failed = rng.randint(1, total) if state in ("partial", "failed") else 0
            if state == "failed":
                failed = total
            log_id = uuid.uuid4()
            if failed:
                self.failing.append((log_id, tenant.id, created, failed))
            done = state not in ("queued", "running")
            started = created + timedelta(seconds=rng.uniform(0.05, 3)) if state != "queued" else None
            finished = started + timedelta(seconds=rng.uniform(0.5, 120)) if done and started else None
            yield (
                log_id, tenant.id, created, instance, uuid.uuid4(), next(trigger), state, total,
                total - failed, failed, 0, _stages(rng, total, failed) if started else "{}", started,
                finished, finished or started, 1 if started else 0,
                "source unreachable" if state == "failed" and rng.random() < 0.3 else None, None, "{}",
            )  # fmt: skip

    def _error_rows(self) -> Iterator[tuple[object, ...]]:
        """`self.errors` errors over the failing runs, in proportion to their failed records."""
        rng = self.rng
        weight = sum(n for *_, n in self.failing)
        kinds = _picker(rng, HOTSPOTS)
        left = self.errors
        for i, (log_id, tenant_id, created, failed) in enumerate(self.failing):
            n = left if i == len(self.failing) - 1 else min(left, round(failed * self.errors / weight))
            left -= n
            for k in range(n):
                stage, code = next(kinds)  # type: ignore[misc]
                yield (
                    uuid.uuid4(), tenant_id, created + timedelta(seconds=rng.uniform(0.1, 60)), f"sku-{k}",
                    stage, code, f"{code} at /field{k % 7}", '{"pointer": "/field"}', None, log_id,
                )  # fmt: skip


async def _copy(
    conn: asyncpg.Connection, table: str, columns: list[str], rows: Iterator[tuple[object, ...]]
) -> None:
    chunk: list[tuple[object, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            await conn.copy_records_to_table(table, records=chunk, columns=columns)
            chunk = []
    if chunk:
        await conn.copy_records_to_table(table, records=chunk, columns=columns)


async def fill(dsn: str, filler: Filler) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        tables = ("sync_logs", "entity_errors")
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            list(tables),
        )
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await conn.execute("SET session_replication_role = replica")  # no per-row trigger or FK check
        await _copy(conn, "sync_logs", LOG_COLUMNS, filler._log_rows())
        await _copy(conn, "entity_errors", ERROR_COLUMNS, filler._error_rows())
        if await conn.fetchval("SELECT to_regclass('sync_log_hours') IS NOT NULL"):
            await conn.execute(RECOUNT)  # what the triggers would have counted, as migration 4 does
        await conn.execute("SET session_replication_role = origin")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for row in indexes:
            await conn.execute(row["indexdef"])
        for table in tables:
            await conn.execute(f'VACUUM (ANALYZE) "{table}"')
    finally:
        await conn.close()
