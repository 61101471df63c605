"""Where a read's time goes: each path of `bench.api`, in-process under cProfile, split by area.

    python -m bench.api_profile [--requests 300]

The app runs in this process (no server, no socket to the client): each request is an ASGI call.
Shares of the time on the CPU per request as cProfile counts it (the profiler inflates absolute
figures; waiting for PostgreSQL is left out), the unprofiled CPU time per request of this process,
and the Python function calls per request, a figure that does not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from dataclasses import replace
from typing import Any

from bench._fresh import fresh_runtime
from bench.api import PATHS, Path_, seed
from ezy.app import create_app
from ezy.tenants.keys import create_tenant

# Self time (not cumulative: coroutines of one request run in several tasks) grouped by package.
PACKAGES = [
    ("graphql-core + strawberry (GraphQL execution)", ("/graphql/", "/strawberry/")),
    ("Tortoise + pypika (build SQL, hydrate rows)", ("/tortoise/", "/pypika_tortoise/")),
    ("asyncpg (driver)", ("/asyncpg/",)),
    ("ezy + schema (services, views, resolvers)", ("/ezy/", "/schema/")),
    ("Starlette, uvicorn-level plumbing", ("/starlette/", "/cross_web/", "/prometheus_client/")),
    ("asyncio event loop", ("/asyncio/",)),
]
# Cumulative time of one entry point, where it does not cross tasks.
ANCHORS = [
    ("  of which API-key auth", "ezy/tenants/keys.py", {"authenticate"}),
    ("  of which GraphQL parse + validate", "strawberry/schema/schema.py", {"_prepare_operation_async"}),
    ("  of which hydrating rows", "tortoise/models.py", {"_init_from_db"}),
    ("  of which JSON encoding", "ezy/jsonenc.py", {"encode"}),
]
WAITING = {"poll", "select"}  # the event loop waiting for sockets: not time spent on the CPU


async def call(app: Any, p: Path_, key: str) -> None:
    path, _, query = p.path.partition("?")
    headers = [(b"host", b"bench"), (b"authorization", f"ApiKey {key}".encode())]
    body = b""
    if p.graphql:
        body = json.dumps({"query": p.graphql}).encode()
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST" if p.graphql else "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent = False
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # never disconnects
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    assert status == [200], status


def _cumulative(stats: dict[Any, Any], suffix: str, names: set[str]) -> float:
    return sum(
        entry[3] for (file, _, name), entry in stats.items() if file.endswith(suffix) and name in names
    )


def report(p: Path_, profile: cProfile.Profile, n: int) -> None:
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    busy = {k: entry[2] for k, entry in raw.items() if not any(w in k[2] for w in WAITING)}
    total = sum(busy.values())
    calls = stats.total_calls / n  # type: ignore[attr-defined]
    print(f"\n{p.name}: {total / n * 1000:.2f} ms profiled, {calls:,.0f} Python calls per request")
    grouped: dict[str, float] = {}
    for (file, _, name), self_time in busy.items():
        area = next((a for a, parts in PACKAGES if any(part in file for part in parts)), None)
        if area is None and file == "~":
            socket = "send" in name or "recv" in name
            area = "socket system calls (PostgreSQL)" if socket else "other C builtins (orjson, datetime)"
        area = area or "other Python"
        grouped[area] = grouped.get(area, 0.0) + self_time
    for area, seconds in sorted(grouped.items(), key=lambda kv: -kv[1]):
        print(f"  {area:48} {seconds / total:4.0%}")
    for label, suffix, names in ANCHORS:
        if seconds := _cumulative(raw, suffix, names):
            print(f"  {label:48} {seconds / total:4.0%}")


async def main(args: argparse.Namespace) -> None:
    async with fresh_runtime() as runtime:
        tenant, issued = await create_tenant("bench")
        await seed(tenant.id)
        # Its lifespan is not run: the runtime above is open. Throughput, not the per-key limiter
        # (1,200/minute by default), as in bench.api.
        app = create_app(replace(runtime.settings, rate_limit_per_key=None))
        for p in PATHS[1:]:
            for _ in range(20):
                await call(app, p, issued.secret)
            started = time.process_time()
            for _ in range(args.requests):
                await call(app, p, issued.secret)
            cpu = (time.process_time() - started) / args.requests * 1000
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                await call(app, p, issued.secret)
            profile.disable()
            report(p, profile, args.requests)
            print(f"  unprofiled: {cpu:.2f} ms CPU per request (this process only)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
