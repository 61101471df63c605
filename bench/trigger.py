"""Run latency and scheduling at scale, on PostgreSQL + Redis (a fresh database, dropped after).

    python -m bench.trigger [--runs 200] [--instances 1000]

1. Trigger-to-succeeded latency of a one-record run (median, p99) beside the round trip of an
   empty arq job measured in the same process and loop, and their ratio.
2. N instances scheduled at the same minute, two `ezy worker` processes and two scheduler loops:
   every instance must run exactly once; prints the spread from due time to start.

Env: EZY_BENCH_POSTGRES_ADMIN (default postgres://postgres@127.0.0.1:5432), EZY_BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14, flushed at start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

from bench._fresh import REDIS, fresh_runtime
from ezy.config import Settings
from ezy.connections.models import ConnectionProfile
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.runs.models import SyncLog
from ezy.runs.service import TERMINAL, RunRequest, start_run
from ezy.runtime import Runtime
from ezy.schedules.firing import fire_due
from ezy.schedules.models import Schedule
from ezy.tenants.keys import create_tenant
from ezy.timefmt import utcnow
from workers.settings import run_worker

DOCUMENT = {
    "version": 1,
    "extract": {"resource": "products"},
    "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "title": "title"}},
    "load": {"resource": "sink", "keys": ["externalId"]},
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def make_instances(tenant_id: uuid.UUID, n: int) -> list[Instance]:
    source = await ConnectionProfile.create(
        tenant_id=tenant_id, name="src", kind="sample", config={"count": 1, "seed": 1}
    )
    sink = await ConnectionProfile.create(tenant_id=tenant_id, name="sink", kind="sample", config={})
    mapping = await MappingConfiguration.create(tenant_id=tenant_id, name="map", document=DOCUMENT)
    return [
        await Instance.create(
            tenant_id=tenant_id,
            name=f"i{i}",
            source_profile=source,
            target_profile=sink,
            mapping=mapping,
            status="active",
        )
        for i in range(n)
    ]


async def wait_terminal(run_id: Any) -> SyncLog:
    while True:
        run = await SyncLog.get(id=run_id)
        if run.status in TERMINAL:
            return run
        await asyncio.sleep(0.001)


async def latency(runtime: Runtime, instance: Instance, runs: int) -> None:
    worker = asyncio.create_task(run_worker(runtime))
    await asyncio.sleep(0.5)
    empty: list[float] = []
    full: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        job = await runtime.pool.enqueue_job("noop")
        assert job is not None
        await job.result(poll_delay=0.001)
        empty.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        run = await start_run(instance.tenant_id, instance.id, RunRequest("api"))
        done = await wait_terminal(run.id)
        full.append((time.perf_counter() - started) * 1000)
        assert done.status == "succeeded", done.error
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    e_med, f_med = statistics.median(empty), statistics.median(full)
    print(f"latency over {runs} runs (ms)        median     p99")
    print(f"  empty arq job round trip        {e_med:7.1f} {pct(empty, 0.99):7.1f}")
    print(f"  trigger -> succeeded (1 record)  {f_med:7.1f} {pct(full, 0.99):7.1f}")
    print(f"  ratio (median)                   {f_med / e_med:7.2f}x   (target <= 3x and < 100 ms)")


def spawn_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EZY_DATABASE_URL": settings.database_url,
        "EZY_REDIS_URL": REDIS,
        "EZY_SECRET_KEY": settings.secret_key or "",
        "EZY_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "ezy.cli", "worker"], env=env)


async def scheduled(settings: Settings, tenant_id: uuid.UUID, n: int) -> None:
    instances = await make_instances(tenant_id, n)
    workers = [spawn_worker(settings) for _ in range(2)]
    try:
        await asyncio.sleep(2)  # both workers up
        due = utcnow().replace(microsecond=0) + timedelta(seconds=1)
        await Schedule.bulk_create(
            [
                Schedule(tenant_id=tenant_id, instance=i, cron="* * * * *", timezone="UTC", next_run_at=due)
                for i in instances
            ]
        )
        await asyncio.sleep(max(0.0, (due - utcnow()).total_seconds()))
        fired = sum(await asyncio.gather(fire_due(), fire_due()))  # two schedulers, racing
        ids = [i.id for i in instances]
        deadline = time.monotonic() + 120
        while await SyncLog.filter(instance_id__in=ids, status__in=list(TERMINAL)).count() < n:
            assert time.monotonic() < deadline, "runs did not finish in time"
            await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    runs = await SyncLog.filter(instance_id__in=ids)
    per_instance = {i: 0 for i in ids}
    for run in runs:
        per_instance[run.instance_id] += 1
    spread = [(run.started_at - due).total_seconds() * 1000 for run in runs if run.started_at]
    exactly_once = sum(1 for c in per_instance.values() if c == 1)
    print(f"{n} instances due at {due.isoformat()} on 2 workers, 2 racing schedulers:")
    print(
        f"  fired {fired}, runs {len(runs)}, instances run exactly once {exactly_once}/{n}, "
        f"succeeded {sum(r.status == 'succeeded' for r in runs)}"
    )
    print(
        f"  due -> start (ms): median {statistics.median(spread):.0f}, p99 {pct(spread, 0.99):.0f}, "
        f"max {max(spread):.0f}"
    )


async def main(args: argparse.Namespace) -> None:
    async with fresh_runtime() as runtime:
        tenant, _ = await create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
        (instance,) = await make_instances(tenant.id, 1)
        await latency(runtime, instance, args.runs)
        other, _ = await create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
        await scheduled(runtime.settings, other.id, args.instances)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--instances", type=int, default=1000)
    asyncio.run(main(parser.parse_args()))
