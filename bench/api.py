"""Read throughput of the API beside a bare Starlette endpoint, on PostgreSQL + Redis (fresh database).

    python -m bench.api [--rounds 3] [--seconds 5] [--connections 32]

Starts one `ezy serve` process and one bare Starlette app under the same uvicorn settings (one
process each, log level WARNING), seeds a tenant with 20 instances and 60 sync logs, then drives each
path with `wrk` on loopback in interleaved rounds (bare, then every path, round after round, so a
noisy neighbour hits them all alike). Prints the median and range of req/s, the p99 and the ratio to
bare, then the p99 of each path at half its measured maximum (wrk's `delay()` paces each connection).

`--baseline DIR` serves another checkout of the product too (a `git worktree` of an older commit)
on the same database, measured in the same rounds: a before/after that the machine's load hits alike.

Needs `wrk` (Debian: `apt-get install wrk`). Env: EZY_BENCH_POSTGRES_ADMIN, EZY_BENCH_REDIS_URL (a
Redis database that is flushed; default db 14).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from bench._fresh import REDIS, fresh_runtime
from ezy.config import Settings
from ezy.connections.models import ConnectionProfile
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.runs.models import SyncLog
from ezy.tenants.keys import create_tenant
from ezy.timefmt import utcnow

INSTANCES_GQL = (
    "{ instances(pageSize: 20) { total items { id name status sourceProfile { name kind } "
    "mapping { name } } } }"
)
SYNC_LOGS_GQL = (
    "{ syncLogs(pageSize: 20) { total items { id instanceId status trigger "
    "counts { total success failed skipped } createdAt finishedAt } } }"
)
DOCUMENT = {
    "version": 1,
    "extract": {"resource": "products"},
    "transform": {"key": "$string(id)", "fields": {"externalId": "$string(id)", "title": "title"}},
    "load": {"resource": "sink", "keys": ["externalId"]},
}
STAGES = {s: {"in": 10, "out": 10, "failed": 0, "ms": 1.5} for s in ("extract", "normalize", "transform")}


@dataclass(frozen=True)
class Path_:
    name: str
    path: str
    graphql: str | None = None
    authenticated: bool = True


PATHS = [
    Path_("bare Starlette", "/bare", authenticated=False),
    Path_("REST instances?pageSize=20", "/api/v1/instances?pageSize=20"),
    Path_("REST sync-logs", "/api/v1/sync-logs"),
    Path_("GraphQL instances(20)", "/graphql", INSTANCES_GQL),
    Path_("GraphQL syncLogs(20)", "/graphql", SYNC_LOGS_GQL),
]


BASELINE = " [baseline]"


@dataclass
class Samples:
    rps: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bare_app_main(port: int) -> None:
    """The baseline: Starlette, one JSON route, the same uvicorn call as `ezy serve`."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from ezy.logs import configure

    async def bare(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    configure("WARNING")
    app = Starlette(routes=[Route("/bare", bare)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")


async def seed(tenant_id: uuid.UUID) -> None:
    source = await ConnectionProfile.create(
        tenant_id=tenant_id, name="src", kind="sample", config={"count": 10, "seed": 1}
    )
    sink = await ConnectionProfile.create(tenant_id=tenant_id, name="sink", kind="sample", config={})
    mappings = [
        await MappingConfiguration.create(tenant_id=tenant_id, name=f"map{i}", document=DOCUMENT)
        for i in range(3)
    ]
    instances = [
        await Instance.create(
            tenant_id=tenant_id,
            name=f"instance-{i}",
            source_profile=source,
            target_profile=sink,
            mapping=mappings[i % 3],
            status="active" if i % 2 else "inactive",
            options={"maxRetries": 3},
        )
        for i in range(20)
    ]
    now = utcnow()
    for i in range(60):
        await SyncLog.create(
            tenant_id=tenant_id,
            instance_id=instances[i % 20].id,
            correlation_id=uuid.uuid4(),
            trigger="schedule",
            status="succeeded",
            total=10,
            success=10,
            stages=STAGES,
            attempt=1,
            started_at=now - timedelta(minutes=i, seconds=2),
            finished_at=now - timedelta(minutes=i),
        )


def lua_script(p: Path_, key: str, delay_ms: float | None) -> str:
    lines = [f'wrk.headers["Authorization"] = "ApiKey {key}"'] if p.authenticated else []
    if p.graphql:
        body = json.dumps(json.dumps({"query": p.graphql}))
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = {body}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    if delay_ms is not None:
        lines.append(f"function delay() return {delay_ms:.3f} end")
    return "\n".join(lines) + "\n"


def wrk(
    base: str, p: Path_, key: str, args: argparse.Namespace, rate: float | None = None
) -> tuple[float, float]:
    """(req/s, p99 ms) of one wrk run; `rate` paces the connections to that many req/s in total."""
    delay = None if rate is None else 1000.0 * args.connections / rate
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(p, key, delay))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "-s",
                f.name,
                base + p.path,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(f.name)
    if "Non-2xx" in out:
        raise SystemExit(f"{p.name}: non-2xx answers\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def check(base: str, p: Path_, key: str) -> None:
    headers = {"Authorization": f"ApiKey {key}"} if p.authenticated else {}
    if p.graphql:
        r = httpx.post(base + p.path, json={"query": p.graphql}, headers=headers)
        assert r.status_code == 200 and "errors" not in r.json(), r.text
    else:
        r = httpx.get(base + p.path, headers=headers)
        assert r.status_code == 200, r.text


@dataclass(frozen=True)
class Target:
    label: str
    base: str
    path: Path_


def measure(targets: list[Target], key: str, args: argparse.Namespace) -> None:
    warm_up = argparse.Namespace(**{**vars(args), "seconds": 1})
    for t in targets:
        check(t.base, t.path, key)
        wrk(t.base, t.path, key, warm_up)
    results = {t.label: Samples() for t in targets}
    for r in range(args.rounds):
        for t in targets:
            rps, p99 = wrk(t.base, t.path, key, args)
            results[t.label].rps.append(rps)
            results[t.label].p99.append(p99)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    bare = statistics.median(results[targets[0].label].rps)
    print(f"\n{args.connections} connections, {args.rounds} rounds of {args.seconds}s each, interleaved")
    print(f"{'path':40} {'req/s median':>12} {'(range)':>17} {'p99 ms':>14} {'x bare':>7}")
    for t in targets:
        s = results[t.label]
        med = statistics.median(s.rps)
        rng = f"({min(s.rps):.0f}-{max(s.rps):.0f})"
        p99s = f"{min(s.p99):.1f}-{max(s.p99):.1f}"
        print(f"{t.label:40} {med:12.0f} {rng:>17} {p99s:>14} {med / bare:7.3f}")
    print("\np99 at half the measured maximum (paced):")
    for t in targets[1:]:
        if t.label.endswith(BASELINE):
            continue
        half = statistics.median(results[t.label].rps) / 2
        rps, p99 = wrk(t.base, t.path, key, args, rate=half)
        print(f"{t.label:40} asked {half:7.0f} req/s, got {rps:7.0f}, p99 {p99:6.1f} ms")


def server_env(settings: Settings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "EZY_DATABASE_URL": settings.database_url,
        "EZY_REDIS_URL": REDIS,
        "EZY_SECRET_KEY": settings.secret_key or "",
        "EZY_LOG_LEVEL": "WARNING",
        # Throughput, not the per-key limiter (1,200/minute by default), which wrk hits in a second.
        "EZY_RATE_LIMIT_PER_KEY": "off",
        "EZY_PORT": str(port),
        "EZY_HOST": "127.0.0.1",
    }


async def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    async with fresh_runtime() as runtime:
        tenant, issued = await create_tenant("bench")
        await seed(tenant.id)
        await asyncio.to_thread(serve_and_measure, runtime.settings, issued.secret, args)


def serve_and_measure(settings: Settings, key: str, args: argparse.Namespace) -> None:
    root = Path(__file__).resolve().parent.parent
    ports = {"ezy": free_port(), "bare": free_port(), "baseline": free_port()}
    # wrk closes its connections mid-request at the end of each run: the servers' logs say so, loudly.
    with open(Path(tempfile.gettempdir()) / "bench-api-servers.log", "wb") as log:
        print(f"server logs: {log.name}", file=sys.stderr)

        def start(cwd: Path, command: list[str], port: int) -> subprocess.Popen[bytes]:
            # PYTHONPATH first: a baseline checkout runs its own code, not this venv's editable install.
            env = {**server_env(settings, port), "PYTHONPATH": str(cwd)}
            return subprocess.Popen([sys.executable, *command], env=env, cwd=cwd, stderr=log)

        servers = {
            "ezy": start(root, ["-m", "ezy.cli", "serve"], ports["ezy"]),
            "bare": start(
                root,
                ["-c", f"from bench.api import bare_app_main; bare_app_main({ports['bare']})"],
                ports["bare"],
            ),
        }
        if args.baseline:
            servers["baseline"] = start(
                Path(args.baseline).resolve(), ["-m", "ezy.cli", "serve"], ports["baseline"]
            )
        try:
            urls = {name: f"http://127.0.0.1:{ports[name]}" for name in servers}
            for name, proc in servers.items():
                wait_up(urls[name] + ("/bare" if name == "bare" else "/healthz"), proc)
            targets = [Target(PATHS[0].name, urls["bare"], PATHS[0])]
            for p in PATHS[1:]:
                targets.append(Target(p.name, urls["ezy"], p))
                if args.baseline:
                    targets.append(Target(p.name + BASELINE, urls["baseline"], p))
            measure(targets, key, args)
        finally:
            for proc in servers.values():
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="another checkout (say `git worktree add`) served beside, same rounds",
    )
    asyncio.run(main(parser.parse_args()))
