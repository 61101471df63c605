"""Pipeline throughput against the raw path, and memory under streaming.

    python -m bench.pipeline [--records 200000] [--path-only]
        sample products -> 5 stages -> PostgreSQL upsert, beside a bare COPY of the same rows
        built beforehand (the raw side pays neither generation nor mapping), their ratio and
        the per-stage split; --path-only adds the same run with a path-only mapping (no JSONata)
    python -m bench.pipeline --memory [--records N]
        N records (default 1,000,000) through the 5 stages into the sink, peak RSS as it goes

PostgreSQL from EZY_BENCH_POSTGRES_DSN (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
import uuid
from typing import Any

import asyncpg

from ezy import heap
from ezy.connectors.postgres import PostgresConnector
from ezy.connectors.sample import SampleConnector
from ezy.pipeline import MemoryJournal, RunStats, run_pipeline

DSN = os.environ.get("EZY_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
RSS_TARGET_MIB = 150
COLUMNS = {
    "externalId": "text",
    "title": "text",
    "sku": "text",
    "price": "double precision",
    "vendor": "text",
    "status": "text",
    "updatedAt": "text",
    "variantCount": "bigint",
    "variants": "jsonb",
    "currency": "text",
}


def mapping(table: str, *, path_only: bool = False) -> dict[str, Any]:
    """The product mapping; `path_only` swaps its two JSONata fields for plain paths.

    Path-only: `externalId` is the numeric `id` (the text column stores the same digits, the
    schema allows an integer) and `variantCount` is left out, so the interpreter's share of
    the full mapping's time shows as the difference between the two runs.
    """
    doc: dict[str, Any] = {
        "version": 1,
        "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 1000},
        "normalize": {
            "trimStrings": True,
            "emptyAsNull": True,
            "timestamps": ["updated_at"],
            "numbers": ["variants[*].price"],
        },
        "transform": {
            "key": "id",
            "fields": {
                "externalId": "$string(id)",
                "title": "title",
                "sku": "variants[0].sku",
                "price": "variants[0].price",
                "vendor": "vendor",
                "status": "status",
                "updatedAt": "updated_at",
                "variantCount": "$count(variants)",
                "variants": "variants",
            },
            "defaults": {"currency": "USD"},
        },
        "validate": {
            "required": ["externalId", "sku"],
            "schema": {
                "type": "object",
                "properties": {"price": {"type": "number"}, "externalId": {"type": "string"}},
            },
        },
        "load": {"resource": table, "mode": "upsert", "keys": ["externalId"], "batchSize": 5000},
    }
    if path_only:
        fields = doc["transform"]["fields"]
        fields["externalId"] = "id"
        del fields["variantCount"]
        doc["validate"]["schema"]["properties"]["externalId"] = {"type": ["string", "integer"]}
    return doc


async def create_table(conn: Any, table: str) -> None:
    columns = ", ".join(f'"{name}" {kind}' for name, kind in COLUMNS.items())
    await conn.execute(f'CREATE TABLE "{table}" ({columns}, PRIMARY KEY ("externalId"))')


def _raw_row(p: dict[str, Any]) -> tuple[Any, ...]:
    first = p["variants"][0]
    title, status, variants = p["title"], p["status"], p["variants"]
    price = float(first["price"])
    return (
        str(p["id"]),
        title,
        first["sku"],
        price,
        p["vendor"],
        status,
        p["updated_at"],
        len(variants),
        json.dumps(variants),
        "USD",
    )


async def prebuilt_rows(count: int) -> tuple[float, list[tuple[Any, ...]]]:
    """The rows the raw side copies, built before it starts; and the sample source's time alone."""
    rows: list[tuple[Any, ...]] = []
    started = time.perf_counter()
    async for page in SampleConnector({"count": count, "seed": 1}).read("products", batch_size=5000):
        rows.extend(_raw_row(p) for p in page.records)
    return time.perf_counter() - started, rows


async def raw_copy(conn: Any, table: str, rows: list[tuple[Any, ...]], batch: int = 5000) -> float:
    """The floor: a bare COPY of rows built beforehand, in the load's batch size, no mapping."""
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        await conn.copy_records_to_table(table, records=rows[start : start + batch], columns=list(COLUMNS))
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run_mapped(
    conn: Any, table: str, count: int, *, path_only: bool
) -> tuple[float, float, float, RunStats, int]:
    """The sample products through the five stages into `table`: seconds, this process's CPU
    seconds (all its threads; PostgreSQL's own work is not in it), the CPU seconds of the
    sample generator process (a read of 10,000 records or more has one), stats, rows loaded."""
    target = PostgresConnector({"dsn": DSN}, allow_private_networks=True)
    try:
        started, cpu, child_cpu = time.perf_counter(), time.process_time(), _children_cpu()
        stats = await run_pipeline(
            SampleConnector({"count": count, "seed": 1}),
            target,
            mapping(table, path_only=path_only),
            MemoryJournal(),
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        child_cpu = _children_cpu() - child_cpu
    finally:
        await target.close()
    return seconds, cpu, child_cpu, stats, await conn.fetchval(f'SELECT count(*) FROM "{table}"')


async def throughput(count: int, *, path_only: bool) -> None:
    conn = await asyncpg.connect(DSN)
    suffix = uuid.uuid4().hex[:8]
    piped, paths, raw = f"bench_pipeline_{suffix}", f"bench_paths_{suffix}", f"bench_raw_{suffix}"
    try:
        for table in (piped, paths, raw):
            await create_table(conn, table)
        gen_s, rows = await prebuilt_rows(count)
        raw_seconds = await raw_copy(conn, raw, rows)
        del rows
        seconds, cpu, child_cpu, stats, loaded = await run_mapped(conn, piped, count, path_only=False)
        if path_only:
            path_seconds, _, _, path_stats, path_loaded = await run_mapped(conn, paths, count, path_only=True)
    finally:
        for table in (piped, paths, raw):
            await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        await conn.close()
    print(f"records: {count}, loaded: {loaded}, failed: {stats.failed}")
    print(f"pipeline (5 stages -> upsert):  {count / seconds:10,.0f} records/s  ({seconds:.2f} s)")
    print(f"raw COPY of pre-built rows:     {count / raw_seconds:10,.0f} records/s  ({raw_seconds:.2f} s)")
    print(f"pipeline / raw COPY:            {raw_seconds / seconds:10.2f}")
    print(f"pipeline client CPU:            {cpu / count * 1e6:10.1f} us/record (this process, all threads)")
    print(f"sample generator process CPU:   {child_cpu / count * 1e6:10.1f} us/record")
    print(f"sample generation alone:        {count / gen_s:10,.0f} records/s  ({gen_s:.2f} s)")
    print("per stage ms:           ", _stage_ms(stats))
    if path_only:
        print(f"path-only run: loaded: {path_loaded}, failed: {path_stats.failed}")
        rate = count / path_seconds
        print(f"pipeline, path-only mapping:    {rate:10,.0f} records/s  ({path_seconds:.2f} s)")
        print(f"path-only pipeline / raw COPY:  {raw_seconds / path_seconds:10.2f}")
        print("per stage ms, path-only:", _stage_ms(path_stats))


def _stage_ms(stats: RunStats) -> dict[str, int]:
    return {str(s): round(st.ms) for s, st in stats.stages.items()}


class RssJournal(MemoryJournal):
    """Samples peak RSS as the run goes, keeping only the counts (a real journal stores, not holds)."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: list[tuple[int, int]] = []

    async def progress(self, stats: RunStats) -> None:
        self.samples.append((stats.total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))

    async def checkpoint(self, cursor: str) -> None:
        return None


async def memory(count: int) -> None:
    journal, sink = RssJournal(), SampleConnector({})
    started = time.perf_counter()
    doc = mapping("sink")
    stats = await run_pipeline(SampleConnector({"count": count, "seed": 1}), sink, doc, journal)
    seconds = time.perf_counter() - started
    marks = [journal.samples[len(journal.samples) * k // 10] for k in (1, 5)] + [journal.samples[-1]]
    print(f"records: {count}, written to sink: {sink.written}, {count / seconds:,.0f} records/s")
    for done, rss in marks:
        print(f"  after {done:>9,} records: peak RSS {rss} MiB")
    print(f"peak RSS {marks[-1][1]} MiB (target: under {RSS_TARGET_MIB} MiB)")
    print("per stage ms:", _stage_ms(stats))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, help="record count (200,000; 1,000,000 with --memory)")
    parser.add_argument("--memory", action="store_true", help="peak RSS through the pipeline into the sink")
    parser.add_argument("--path-only", action="store_true", help="also run a path-only mapping (no JSONata)")
    args = parser.parse_args()
    heap.settle()  # as `ezy worker` does once started
    if args.memory:
        asyncio.run(memory(args.records or 1_000_000))
    else:
        asyncio.run(throughput(args.records or 200_000, path_only=args.path_only))


if __name__ == "__main__":
    main()
