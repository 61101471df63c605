"""Dashboard queries and deep sync-log pages over 1,000,000 sync logs and 5,000,000 entity errors.

    python -m bench.dashboard [--logs 1000000] [--errors 5000000] [--rounds 21] [--keep]

Fills a PostgreSQL database of its own (`--database`, default `ezy_dashbench`, dropped at the end
unless `--keep`; with `--keep` a later run reuses the filled database and only migrates it) with
COPY (bench/_dashboard_data.py), then asks the real app in-process (httpx ASGITransport, a real API
key) in interleaved rounds: the overview (runTotals, 30 days, daily buckets by status; and
runHistory, the same split by instance too), the error hot-spots (30 days), and the sync-log
list at page 1 and page 10,000 through GraphQL `syncLogs` and REST
`GET /api/v1/sync-logs` (pageSize 50). Baselines measured in the same rounds: GraphQL
`{ __typename }` (auth, parse, no SQL) and a bare `SELECT 1` through the ORM. Prints medians, then
EXPLAIN ANALYZE of each SQL statement the app sent for each query (captured from Tortoise's log).

Env: EZY_BENCH_POSTGRES_ADMIN (default postgres://postgres@127.0.0.1:5432), EZY_BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14, flushed at start).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import Fernet
from tortoise import connections

from bench._dashboard_data import Filler, Tenant, fill
from bench._fresh import ADMIN, REDIS
from bench.trigger import make_instances
from ezy.app import create_app
from ezy.config import Settings
from ezy.context import TenantContext
from ezy.pagination import PageRequest
from ezy.runs import service as runs
from ezy.runs.contracts import SyncLogFilter
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from ezy.tenants.contracts import ApiKeyInput
from ezy.tenants.keys import create_key, create_tenant
from ezy.tenants.models import Tenant as TenantRow
from ezy.timefmt import rfc3339, utcnow

BULK = "dash-bulk"
OTHERS = [("dash-small-1", 0.05), ("dash-small-2", 0.04), ("dash-small-3", 0.03), ("dash-small-4", 0.03)]
DEEP_PAGE = 10_000
OVERVIEW = (
    "query($since: DateTime!) { runTotals(since: $since, bucket: DAY) "
    "{ bucketStart status runs records failed } }"
)
HISTORY = (
    "query($since: DateTime!) { runHistory(since: $since, bucket: DAY) "
    "{ bucketStart instanceId status runs records failed } }"
)
HOTSPOTS = "query($since: DateTime!) { errorHotspots(since: $since) { stage code count lastSeenAt } }"
SYNC_LOGS = (
    "query($page: Int!) { syncLogs(page: $page) { page pageSize total items { id instanceId "
    "correlationId trigger status counts { total success failed skipped } createdAt finishedAt } } }"
)

Call = Callable[[], Awaitable[Any]]


class _Capture(logging.Handler):
    """The (SQL, parameters) of each SELECT Tortoise sends."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 2 and str(args[0]).lstrip().upper().startswith("SELECT"):
            self.statements.append((str(args[0]), list(args[1] or [])))


@contextmanager
def capture_sql() -> Iterator[_Capture]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _database(args: argparse.Namespace) -> str:
    """The database's URL: a new database, or with `--keep` the one an earlier run kept."""
    admin = await asyncpg.connect(ADMIN.replace("postgres://", "postgresql://") + "/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", args.database)
        if exists and not args.keep:
            await admin.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
        if not exists or not args.keep:
            await admin.execute(f'CREATE DATABASE "{args.database}"')
    finally:
        await admin.close()
    return f"{ADMIN}/{args.database}"


async def _drop(name: str) -> None:
    admin = await asyncpg.connect(ADMIN.replace("postgres://", "postgresql://") + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _seed(url: str, args: argparse.Namespace) -> None:
    tenants = []
    for name, share in [(BULK, 1 - sum(s for _, s in OTHERS)), *OTHERS]:
        tenant, _ = await create_tenant(name)
        instances = await make_instances(tenant.id, 20 if name == BULK else 3)
        tenants.append(Tenant(tenant.id, [i.id for i in instances], share))
    started = time.perf_counter()
    await fill(url.replace("postgres://", "postgresql://"), Filler(tenants, args.logs, args.errors, utcnow()))
    seconds = time.perf_counter() - started
    print(f"filled {args.logs} sync logs and {args.errors} entity errors in {seconds:.0f} s")


def _graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Call:
    async def call() -> Any:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body["data"]

    return call


def _rest(client: httpx.AsyncClient, path: str) -> Call:
    async def call() -> Any:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    return call


async def _select_1() -> None:
    await connections.get("default").execute_query("SELECT 1")


def _service(ctx: TenantContext, page: int) -> Call:
    """The list without HTTP, GraphQL or JSON: what the database and the ORM cost."""

    async def call() -> Any:
        return await runs.list_logs(ctx, PageRequest(page=page), SyncLogFilter())

    return call


def _calls(client: httpx.AsyncClient, ctx: TenantContext) -> dict[str, Call]:
    since = rfc3339(utcnow() - timedelta(days=30))
    return {
        "baseline: GraphQL { __typename }": _graphql(client, "{ __typename }", {}),
        "baseline: SELECT 1 (ORM)": _select_1,
        "overview: runTotals 30 d, DAY": _graphql(client, OVERVIEW, {"since": since}),
        "runHistory 30 d, DAY (x instance)": _graphql(client, HISTORY, {"since": since}),
        "errorHotspots 30 d": _graphql(client, HOTSPOTS, {"since": since}),
        "GraphQL syncLogs page 1": _graphql(client, SYNC_LOGS, {"page": 1}),
        f"GraphQL syncLogs page {DEEP_PAGE}": _graphql(client, SYNC_LOGS, {"page": DEEP_PAGE}),
        "REST /sync-logs page 1": _rest(client, "/api/v1/sync-logs?page=1"),
        f"REST /sync-logs page {DEEP_PAGE}": _rest(client, f"/api/v1/sync-logs?page={DEEP_PAGE}"),
        "(service list_logs page 1, no HTTP)": _service(ctx, 1),
        f"(service list_logs page {DEEP_PAGE}, no HTTP)": _service(ctx, DEEP_PAGE),
    }


async def _check(calls: dict[str, Call], tenant_id: object, expected_total: int) -> None:
    """The answers are whole and the deep page is the one a plain OFFSET reads: a fast wrong answer
    is no result."""
    deep = await calls[f"REST /sync-logs page {DEEP_PAGE}"]()
    plain = await connections.get("default").execute_query_dict(
        'SELECT "id" FROM "sync_logs" WHERE "tenant_id" = $1 ORDER BY "created_at" DESC, "id" DESC '
        "LIMIT 50 OFFSET $2",
        [tenant_id, (DEEP_PAGE - 1) * 50],
    )
    assert [i["id"] for i in deep["items"]] == [str(r["id"]) for r in plain]
    first = await calls["REST /sync-logs page 1"]()
    assert first["total"] == deep["total"] == expected_total, (first["total"], expected_total)
    assert len(first["items"]) == 50
    assert len(deep["items"]) == min(50, max(0, expected_total - (DEEP_PAGE - 1) * 50))
    gql = await calls[f"GraphQL syncLogs page {DEEP_PAGE}"]()
    assert [i["id"] for i in gql["syncLogs"]["items"]] == [i["id"] for i in deep["items"]]
    start = deep["items"][0]["createdAt"] if deep["items"] else "past the end"
    print(f"bulk tenant: {expected_total} sync logs; page {DEEP_PAGE} starts at {start}")


async def _measure(calls: dict[str, Call], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():  # warm: caches, plans, the key lookup
        for _ in range(2):
            await call()
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            await call()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


async def _explain(calls: dict[str, Call]) -> None:
    conn = connections.get("default")
    for name, call in calls.items():
        if name.startswith(("baseline", "(")):
            continue
        with capture_sql() as captured:
            await call()
        for sql, params in captured.statements:
            if "api_keys" in sql:
                continue
            rows = await conn.execute_query_dict("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"\n--- {name}\n{sql}\n  params: {params}")
            print("\n".join("  " + r["QUERY PLAN"] for r in rows))


async def bench(settings: Settings, args: argparse.Namespace) -> None:
    if not await SyncLog.exists():
        await _seed(settings.database_url, args)
    tenant = await TenantRow.get(name=BULK)
    issued = await create_key(TenantContext(tenant.id), ApiKeyInput(name=f"bench-{time.time_ns()}"))
    total = await SyncLog.filter(tenant_id=tenant.id).count()
    transport = httpx.ASGITransport(app=create_app(settings))
    headers = {"Authorization": f"ApiKey {issued.secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
        calls = _calls(client, TenantContext(tenant.id))
        await _check(calls, tenant.id, total)
        load = os.getloadavg()[0]
        times = await _measure(calls, args.rounds)
        after = os.getloadavg()[0]
        print(f"load average (1 min): {load:.1f} before, {after:.1f} after, {os.cpu_count()} CPUs")
        print(f"\n{'query':44} {'median ms':>10} {'min':>8} {'max':>8}   ({args.rounds} rounds)")
        for name, samples in times.items():
            print(f"{name:44} {statistics.median(samples):10.1f} {min(samples):8.1f} {max(samples):8.1f}")
        if args.explain:
            await _explain(calls)


async def main(args: argparse.Namespace) -> None:
    url = await _database(args)
    settings = Settings(
        database_url=url,
        redis_url=REDIS,
        secret_key=Fernet.generate_key().decode(),
        allow_private_networks=True,
        log_level="WARNING",
        rate_limit_per_key=None,
    )
    try:
        async with Runtime(settings, migrate=True) as runtime:
            await runtime.pool.flushdb()  # a benchmark's own Redis database
            await bench(settings, args)
    finally:
        if not args.keep:
            await _drop(args.database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--errors", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--database", default="ezy_dashbench")
    parser.add_argument("--keep", action="store_true", help="keep the database, and reuse it when filled")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    asyncio.run(main(parser.parse_args()))
