"""Runs into a real PostgreSQL target: resuming after a kill, and preview matching the run."""

from __future__ import annotations

import asyncio
from typing import Any

from ezy.connectors.postgres import PostgresConnector
from ezy.connectors.sample import SampleConnector
from ezy.pipeline import MemoryJournal, RunStats, preview, run_pipeline


def product_mapping(table: str) -> dict[str, Any]:
    return {
        "version": 1,
        "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 50},
        "normalize": {
            "trimStrings": True,
            "emptyAsNull": True,
            "timestamps": ["updated_at"],
            "numbers": ["variants[*].price"],
        },
        "transform": {
            "key": "id",
            "filter": "status != 'archived'",
            "fields": {
                "externalId": "$string(id)",
                "title": "title",
                "sku": "variants[0].sku",
                "price": "variants[0].price",
                "body": "body_html",
                "updatedAt": "updated_at",
                "variants": "variants",
            },
            "defaults": {"currency": "USD"},
        },
        "validate": {"required": ["externalId", "sku"]},
        "load": {"resource": table, "keys": ["externalId"], "batchSize": 50, "createTable": True},
    }


class KillAfter(MemoryJournal):
    """A journal that signals once it has recorded `n` checkpoints."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n
        self.reached = asyncio.Event()

    async def checkpoint(self, cursor: str) -> None:
        await super().checkpoint(cursor)
        if len(self.checkpoints) >= self.n:
            self.reached.set()


async def table_rows(pg: PostgresConnector, table: str) -> list[dict[str, Any]]:
    return [r async for page in pg.read(table, batch_size=1000) for r in page.records]


async def test_killed_run_resumed_from_its_checkpoint_loses_and_duplicates_nothing(
    postgres_dsn: str, pg_table: str
) -> None:
    source, doc = SampleConnector({"count": 1000, "seed": 7}), product_mapping(pg_table)
    expected = {str(p["id"]) for p in source.generate("products", 0, 1000) if p["status"] != "archived"}
    target = PostgresConnector({"dsn": postgres_dsn}, allow_private_networks=True)
    try:
        journal = KillAfter(5)
        run = asyncio.create_task(run_pipeline(source, target, doc, journal))
        await journal.reached.wait()
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        assert run.cancelled()
        assert 0 < len(await table_rows(target, pg_table)) < len(expected)

        again = MemoryJournal()
        stats = await run_pipeline(source, target, doc, again, cursor=journal.last_checkpoint)
        rows = await table_rows(target, pg_table)
        ids = [r["externalId"] for r in rows]
        assert len(ids) == len(set(ids)) and set(ids) == expected
        assert isinstance(stats, RunStats) and stats.failed == 0
        assert again.last_checkpoint == source.generate("products", 999, 1000)[0]["updated_at"]
    finally:
        await target.close()


async def test_preview_output_is_what_the_run_writes(postgres_dsn: str, pg_table: str) -> None:
    source, doc = SampleConnector({"count": 60, "seed": 11}), product_mapping(pg_table)
    records = source.generate("products", 0, 60)
    target = PostgresConnector({"dsn": postgres_dsn}, allow_private_networks=True)
    try:
        await run_pipeline(None, target, doc, MemoryJournal(), records=records)
        written = {r["externalId"]: r for r in await table_rows(target, pg_table)}
    finally:
        await target.close()
    outputs = {r["output"]["externalId"]: r["output"] for r in preview(doc, records) if r["output"]}
    assert written == outputs
