"""Bulk DLQ replay at scale, on PostgreSQL + Redis (a fresh database, dropped after).

    python -m bench.dlq [--messages 100000]

Makes N pending dead letters, then times: the bulk replay request (claiming every message, answered
with a count), and the background replay run that resolves them, beside the same number of records
going through a normal run of the same instance (the baseline measured in the same process).

Env: EZY_BENCH_POSTGRES_ADMIN (default postgres://postgres@127.0.0.1:5432), EZY_BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14, flushed at start).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from bench._fresh import fresh_runtime
from bench.trigger import make_instances, wait_terminal
from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.dlq import service as dlq
from ezy.dlq.models import DeadLetter
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.tenants.keys import create_tenant
from ezy.timefmt import utcnow
from workers.settings import run_worker


async def bench(runtime: Runtime, n: int) -> None:
    tenant, _ = await create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
    ctx = TenantContext(tenant.id)
    (instance,) = await make_instances(tenant.id, 1)
    worker = asyncio.create_task(run_worker(runtime))
    try:
        # Baseline: a normal run of n records through the same instance and sink.
        await ConnectionProfile.filter(id=instance.source_profile_id).update(config={"count": n, "seed": 1})
        started = time.perf_counter()
        baseline = await wait_terminal((await start_run(tenant.id, instance.id, RunRequest("api"))).id)
        normal_s = time.perf_counter() - started
        assert baseline.success == n, baseline.error

        now = utcnow()
        letters = [
            DeadLetter(
                tenant_id=tenant.id,
                instance_id=instance.id,
                sync_log_id=baseline.id,
                stage="transform",
                code="expression_error",
                message="bench",
                entity_key=str(i),
                payload={"id": i, "title": f"p{i}"},
                history=[],
                created_at=now,
                updated_at=now,
            )
            for i in range(n)
        ]
        started = time.perf_counter()
        await DeadLetter.bulk_create(letters, batch_size=5000)
        create_s = time.perf_counter() - started

        started = time.perf_counter()
        count = await dlq.replay_many(ctx, {"filter": {"instanceId": str(instance.id)}})
        request_s = time.perf_counter() - started
        run = await SyncLog.filter(instance_id=instance.id, trigger="replay").first()
        assert run is not None and count == n
        started = time.perf_counter()
        final = await wait_terminal(run.id)
        replay_s = time.perf_counter() - started
        resolved = await DeadLetter.filter(instance_id=instance.id, status="resolved").count()
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    print(f"{n} dead letters (made in {create_s:.1f} s)")
    print(f"  bulk replay request (claims all, answers the count): {request_s * 1000:8.0f} ms")
    print(
        f"  background replay run: {replay_s:6.1f} s = {n / replay_s:8.0f} messages/s, "
        f"status {final.status}, resolved {resolved}/{n}"
    )
    print(f"  baseline, a normal run of {n} records:  {normal_s:6.1f} s = {n / normal_s:8.0f} records/s")
    print(f"  ratio replay / normal run time: {replay_s / normal_s:.2f}x")


async def main(args: argparse.Namespace) -> None:
    async with fresh_runtime() as runtime:
        await bench(runtime, args.messages)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    asyncio.run(main(parser.parse_args()))
