"""Connector read rates against the fakes, beside the fakes' own raw page rate in the same run.

    python -m bench.connectors [--rest-records 20000] [--shopify-products 400] [--throttled 48]

- REST: the fake REST API (Link-header pages of 100) read by a bare httpx loop (the raw page
  rate), then by the `http` connector (guarded transport, retries, records path, loop checks).
- Shopify, unthrottled: the same GraphQL query posted by a bare httpx loop, then the `shopify`
  connector (pacing, webhook shape, nested variants).
- Shopify at its documented throttle (a 1,000-point bucket refilled at 100 points/s, Standard
  plans): the connector beside the ceiling the bucket allows any client.
- Shopify bulk operation (a first sync): a bare httpx loop (bulkOperationRunQuery, one poll,
  the JSONL downloaded and parsed line by line) beside the connector reading the same products
  through a bulk operation (variants reassembled, webhook shape), unthrottled and at 100 points/s;
  the paged connector on the same store in the same run for comparison. The stand-in completes an
  operation at its first poll: the figures are the client's and the fake's work, not Shopify's
  queue, which adds seconds to minutes per operation.
Raw and connector alternate three times after a warm-up; medians are shown. The connector must not
be the bottleneck: each ratio should be at least 0.8. The fakes run in a child process, as a remote
API would: in-process, their thread and the client would take turns on the GIL, and every
microsecond of client work would add to the server's instead of overlapping it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import httpx

from ezy.connectors._shopify_bulk import POLL, RUN, BulkRead, BulkSettings, bulk_query
from ezy.connectors._shopify_shapes import PRODUCTS_QUERY, RESOURCES
from ezy.connectors.http import HttpConnector
from ezy.connectors.sample import SampleConnector
from ezy.connectors.shopify import ShopifyConnector
from tests.fakes.rest_api import records, serve_rest_api
from tests.fakes.shopify import VERSION, FakeStore, admin_schema, serve_store

PAGE = 100
COST_PER_PAGE = 826  # 2 + 8 x 103 points: eight products with up to 50 variants (tests/fakes/shopify.py)


@contextmanager
def elsewhere(serve: Callable[[Any], None]) -> Iterator[str]:
    """`serve(conn)` in a forked child, which sends its base URL and serves until told to stop."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve, args=(theirs,), daemon=True)
    child.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        child.join(timeout=10)


def _rest_child(conn: Any, count: int) -> None:
    with serve_rest_api() as api:
        api.collections["products"] = records(count)
        conn.send(api.base_url)
        conn.recv()


def _store_child(conn: Any, count: int, restore_rate: float) -> None:
    admin_schema()  # loaded before the clock starts
    with serve_store(FakeStore(restore_rate=restore_rate, bulk_polls=1)) as store:
        store.products = SampleConnector({"count": count}).generate("products", 0, count)
        conn.send(store.base_url)
        conn.recv()


async def rate(read: Callable[[], Awaitable[int]]) -> float:
    started = time.perf_counter()
    return await read() / (time.perf_counter() - started)


async def compare(
    raw: Callable[[], Awaitable[int]], connector: Callable[[], Awaitable[int]]
) -> tuple[float, float]:
    await raw()
    await connector()
    raws, connectors = [], []
    for _ in range(3):
        raws.append(await rate(raw))
        connectors.append(await rate(connector))
    return statistics.median(raws), statistics.median(connectors)


async def rest_raw(base_url: str) -> int:
    seen = 0
    async with httpx.AsyncClient() as client:
        url: str | None = f"{base_url}/link/products?per_page={PAGE}"
        while url:
            answer = await client.get(url)
            seen += len(answer.json())
            url = answer.links.get("next", {}).get("url")
    return seen


async def rest_connector(base_url: str) -> int:
    config = {"baseUrl": base_url, "pagination": {"type": "link", "sizeParam": "per_page"}}
    source = HttpConnector(config, allow_private_networks=True)
    seen = 0
    async for page in source.read("link/products", batch_size=PAGE):
        seen += len(page.records)
    await source.close()
    return seen


async def shopify_raw(base_url: str) -> int:
    url = f"{base_url}/admin/api/{VERSION}/graphql.json"
    seen, after = 0, None
    async with httpx.AsyncClient(headers={"X-Shopify-Access-Token": FakeStore.token}) as client:
        while True:
            variables: dict[str, Any] = {"first": 8, "after": after, "query": None}
            body = (await client.post(url, json={"query": PRODUCTS_QUERY, "variables": variables})).json()
            connection = body["data"]["products"]
            seen += len(connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                return seen
            after = connection["pageInfo"]["endCursor"]


async def completed_bulk(client: httpx.AsyncClient, base_url: str) -> str:
    """Starts a bulk read of the products and polls it to the end: its result's URL."""
    url = f"{base_url}/admin/api/{VERSION}/graphql.json"
    query = bulk_query(RESOURCES["products"], None)
    started = (await client.post(url, json={"query": RUN, "variables": {"query": query}})).json()
    gid = started["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    while True:
        op = (await client.post(url, json={"query": POLL, "variables": {"id": gid}})).json()["data"]["node"]
        if op["status"] == "COMPLETED":
            return str(op["url"])
        await asyncio.sleep(0.01)


async def jsonl_raw(client: httpx.AsyncClient, url: str) -> int:
    """What any client must do with a result: download it and parse every line."""
    seen = 0
    async with client.stream("GET", url) as response:
        async for line in response.aiter_lines():
            if line and "__parentId" not in json.loads(line):
                seen += 1
    return seen


async def shopify_bulk_raw(base_url: str) -> int:
    async with httpx.AsyncClient(headers={"X-Shopify-Access-Token": FakeStore.token}, timeout=300) as client:
        return await jsonl_raw(client, await completed_bulk(client, base_url))


async def jsonl_connector(url: str) -> int:
    """The connector's side of a result: download, reassemble variants, webhook shape."""
    reader = BulkRead(_no_graphql, BulkSettings(), allow_private=True)
    seen = 0
    async for batch in reader.records(url, RESOURCES["products"], 250):
        seen += len(batch)
    return seen


async def _no_graphql(*_: Any) -> dict[str, Any]:
    raise AssertionError("a download asks no GraphQL")


async def shopify_connector(base_url: str, bulk_threshold: int = 0) -> int:
    config = {
        "shopDomain": FakeStore.domain,
        "apiVersion": VERSION,
        "endpoint": base_url,
        "bulkThreshold": bulk_threshold,
    }
    source = ShopifyConnector(
        config,
        {"accessToken": FakeStore.token},
        allow_private_networks=True,
        bulk=BulkSettings(poll_interval=0.01),
    )
    seen = 0
    async for page in source.read("products", batch_size=250):
        seen += len(page.records)
    await source.close()
    return seen


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rest-records", type=int, default=20_000)
    parser.add_argument("--shopify-products", type=int, default=400)
    parser.add_argument(
        "--throttled", type=int, default=48, help="products at the documented throttle (0: skip)"
    )
    parser.add_argument("--bulk-products", type=int, default=5_000, help="products read in bulk (0: skip)")
    args = parser.parse_args()
    rows = []
    with elsewhere(partial(_rest_child, count=args.rest_records)) as url:
        rows.append(
            ("REST, unthrottled", await compare(partial(rest_raw, url), partial(rest_connector, url)))
        )
    with elsewhere(partial(_store_child, count=args.shopify_products, restore_rate=1e9)) as url:
        pair = await compare(partial(shopify_raw, url), partial(shopify_connector, url))
        rows.append(("Shopify, unthrottled", pair))
    if args.throttled:
        with elsewhere(partial(_store_child, count=args.throttled, restore_rate=100.0)) as url:
            # A full bucket pays for the first page; each later page waits for its points.
            ceiling = args.throttled / ((-(-args.throttled // 8) * COST_PER_PAGE - 1000) / 100.0)
            rows.append(("Shopify, 100 points/s", (ceiling, await rate(partial(shopify_connector, url)))))
    if args.bulk_products:
        rows.extend(await bulk_rows(args.bulk_products))
    print(f"{'':32}{'raw / ceiling':>16}{'connector':>12}{'ratio':>8}")
    for name, (raw, connector) in rows:
        print(f"{name:32}{raw:>16,.1f}{connector:>12,.1f}{connector / raw:>8.2f}  records/s")


async def bulk_rows(count: int) -> list[tuple[str, tuple[float, float]]]:
    rows = []
    with elsewhere(partial(_store_child, count=count, restore_rate=1e9)) as url:
        headers = {"X-Shopify-Access-Token": FakeStore.token}
        async with httpx.AsyncClient(headers=headers, timeout=300) as client:
            result = await completed_bulk(client, url)
            pair = await compare(partial(jsonl_raw, client, result), partial(jsonl_connector, result))
        rows.append(("Shopify bulk, the JSONL alone", pair))
        bulk = partial(shopify_connector, url, bulk_threshold=1)
        rows.append(("Shopify bulk, unthrottled", await compare(partial(shopify_bulk_raw, url), bulk)))
        paged = await rate(partial(shopify_connector, url))
        rows.append(("  bulk vs paged connector", (paged, rows[-1][1][1])))
    with elsewhere(partial(_store_child, count=count, restore_rate=100.0)) as url:
        # Pages of 8 products at ~826 points each: what the bucket allows a paged read of `count`.
        ceiling = count / ((-(-count // 8) * COST_PER_PAGE - 1000) / 100.0)
        bulk_rate = await rate(partial(shopify_connector, url, bulk_threshold=1))
        rows.append(("Shopify bulk vs paged, 100 pt/s", (ceiling, bulk_rate)))
    return rows


if __name__ == "__main__":
    asyncio.run(main())
