"""The sample data is pinned: the same seed gives the same records and cursors, release after
release, however the generator is made faster (benchmarks and demos compare runs across them)."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from ezy.connectors.sample import SampleConnector

# Digests of 400 records of each resource, seed 5, read in pages of 64 with their cursors.
PINNED = {
    "products": "12e2b8113c8d1c3d38d60c1a58546776d2b5213ab4c533cb52dea9f1bb7f31e3",
    "orders": "5c26f47e521ed5185073859f6e4cd11d15fc947248b31febed090ec6e1dd3800",
    "customers": "e6e2c5a67fe2a5dc57deac677f7d58703d92bc002887a3f08437c299d7668f2b",
}


@pytest.mark.parametrize("resource", sorted(PINNED))
async def test_the_same_seed_gives_the_records_it_always_gave(resource: str) -> None:
    digest = hashlib.sha256()
    sample = SampleConnector({"count": 400, "seed": 5})
    pages = sample.read(resource, batch_size=64, cursor_field="updated_at")
    async for page in pages:
        digest.update(json.dumps(page.records).encode())
        digest.update(str(page.cursor).encode())
    assert digest.hexdigest() == PINNED[resource]


async def test_a_large_page_is_made_without_stalling_other_tasks() -> None:
    """Records are made in a worker thread: heartbeats, progress writes and a run's own load
    keep going while a page of thousands is generated."""
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.002)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    try:
        pages = SampleConnector({"count": 20_000, "seed": 1}).read("products", batch_size=20_000)
        page = await anext(pages)
        await pages.aclose()
    finally:
        beating.cancel()
    assert len(page.records) == 20_000
    assert ticks >= 10
