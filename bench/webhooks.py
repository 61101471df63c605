"""Webhook acceptance and processing on PostgreSQL + Redis (a fresh database, dropped after).

    python -m bench.webhooks [--seconds 10] [--connections 128] [--deliveries 10000] [--duplicates 1000]

1. Acceptance: one `ezy serve` process and a bare Starlette endpoint under the same uvicorn settings,
   each driven from a second process on loopback with 1 KB generic deliveries (`Authorization: ApiKey`)
   over `--connections` keep-alive connections: requests/s, p99, and the ratio to bare (wrk when it is
   installed, else the bench's own asyncio driver). Then `ezy serve` at half its measured maximum,
   at a fixed rate (latency measured from each request's scheduled time): p99. At that same rate, two
   floors: the bare endpoint (machine and driver), and the bare endpoint committing each delivery
   as the receiver does (grouped, same table) with asyncpg alone, before it answers (durability).
2. Processing: `--deliveries` deliveries of which `--duplicates` repeat an earlier `webhook-id`, spread
   over `--instances` instances (runs of one instance are serial: it holds a lock), sent with no
   worker running; then two `ezy worker` processes drain them into the sample sink: deliveries/s from
   the first run's start to the last delivery settled, and the final counts (every non-duplicate
   processed exactly once).

The per-endpoint rate limit is turned off for the bench (`EZY_RATE_LIMIT_PER_WEBHOOK_ENDPOINT=off`).
Env: EZY_BENCH_POSTGRES_ADMIN (default postgres://postgres@127.0.0.1:5432), EZY_BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14, flushed at start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from bench._fresh import REDIS, fresh_runtime
from bench.trigger import make_instances, pct
from ezy.config import Settings
from ezy.context import TenantContext
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from ezy.tenants.keys import create_tenant
from ezy.webhooks import service as endpoints
from ezy.webhooks.contracts import WebhookEndpointInput
from ezy.webhooks.models import WebhookDelivery, WebhookEndpoint


def body_of(i: int) -> bytes:
    """A ~1 KB generic delivery: one product record."""
    record = {"id": i, "title": f"product {i}", "body_html": "x" * 900, "vendor": "bench"}
    return json.dumps(record).encode()


# --- the bare endpoint --------------------------------------------------------------------------


def bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def receive(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"messageId": str(uuid.uuid4())}, status_code=202)

    return Starlette(routes=[Route("/api/v1/webhooks/{endpointId}", receive, methods=["POST"])])


def durable_app(dsn: str, endpoint_id: str, tenant_id: str) -> Any:
    """The floor for "stored durably before the answer" on this stack: the bare endpoint plus the
    receiver's kind of write (each row committed, with the rows that came while the previous commit
    ran, into the same table and indexes), with asyncpg alone. Stored `skipped`: no run takes them."""
    import contextlib

    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    insert = (
        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, received_at, status, payload, "
        "error, created_at) SELECT i, $2, $3, now(), 'skipped', p, 'bench baseline', now() "
        "FROM unnest($1::uuid[], $4::jsonb[]) AS t(i, p)"
    )
    waiting: list[tuple[uuid.UUID, str, asyncio.Future[None]]] = []
    state: dict[str, Any] = {"busy": False}

    async def drain() -> None:
        while waiting:
            batch = waiting[:500]
            del waiting[:500]
            ids, payloads = [b[0] for b in batch], [b[1] for b in batch]
            await state["db"].execute(insert, ids, uuid.UUID(tenant_id), uuid.UUID(endpoint_id), payloads)
            for *_, done in batch:
                done.set_result(None)
        state["busy"] = False

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        delivery_id, done = uuid.uuid4(), asyncio.get_running_loop().create_future()
        waiting.append((delivery_id, body.decode(), done))
        if not state["busy"]:
            state["busy"] = True
            state["task"] = asyncio.ensure_future(drain())
        await done
        return JSONResponse({"messageId": str(delivery_id)}, status_code=202)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        state["db"] = await asyncpg.connect(dsn)
        yield
        await state["db"].close()

    return Starlette(
        routes=[Route("/api/v1/webhooks/{endpointId}", receive, methods=["POST"])], lifespan=lifespan
    )


def serve_bare(port: int, durable: list[str] | None = None) -> None:
    import uvicorn

    app = durable_app(*durable) if durable else bare_app()
    # The same settings as `ezy serve` (ezy/server.py).
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")


# --- the driver (a second process) ---------------------------------------------------------------


def _run_light(driving: Any) -> Any:
    """The driver on uvloop when it is there (uvicorn[standard] brings it, and `ezy serve` runs on
    it): at a fixed rate the driver shares the 2 cores with the server and PostgreSQL, and the less
    CPU it takes the less it disturbs the latency it measures."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(driving)
    return uvloop.run(driving)


def _request(path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    if match:
        await reader.readexactly(int(match.group(1)))
    return status


class _Paced(asyncio.Protocol):
    """One keep-alive connection of the driver, one request at a time. Callbacks, not a coroutine
    over a StreamReader: the driver shares the machine with what it measures, so it is kept light."""

    def __init__(self, drive: _Driving) -> None:
        self.drive, self.due, self.started, self.buffer = drive, 0.0, 0.0, b""
        self.transport: asyncio.Transport | None = None
        self.closed = drive.loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self) -> None:
        drive = self.drive
        self.started = self.due if drive.rate else time.perf_counter()
        if self.started >= drive.deadline:
            assert self.transport is not None
            self.transport.close()
            return
        assert self.transport is not None
        self.transport.write(_request(drive.path, drive.headers, body_of(next(drive.ids))))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        match = re.search(rb"(?i)content-length:\s*(\d+)", self.buffer[:end])
        total = end + 4 + (int(match.group(1)) if match else 0)
        if len(self.buffer) < total:
            return
        status, self.buffer = int(self.buffer[9:12]), self.buffer[total:]
        drive = self.drive
        drive.latencies.append((time.perf_counter() - self.started) * 1000)
        drive.statuses[status] = drive.statuses.get(status, 0) + 1
        if drive.rate:
            self.due += drive.interval
            drive.loop.call_at(drive.at(self.due), self.send)
        else:
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Driving:
    def __init__(self, path: str, headers: dict[str, str], conns: int, seconds: float, rate: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.path, self.headers, self.rate = path, headers, rate
        self.interval = conns / rate if rate else 0.0
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.ids = iter(range(10**9))
        self.deadline = 0.0  # set when every connection is open
        self.offset = self.loop.time() - time.perf_counter()  # perf_counter instants on the loop's clock

    def at(self, instant: float) -> float:
        return instant + self.offset


async def _drive(
    port: int, path: str, headers: dict[str, str], conns: int, seconds: float, rate: float
) -> dict:
    """Closed loop (`rate` 0: each connection sends as soon as it has its answer) or a fixed total
    rate (latency counted from each request's scheduled instant, so a stall is not hidden)."""
    drive = _Driving(path, headers, conns, seconds, rate)
    connections = []
    for _ in range(conns):  # all open before the clock starts
        _, paced = await drive.loop.create_connection(lambda: _Paced(drive), "127.0.0.1", port)
        connections.append(paced)
    began = time.perf_counter()
    drive.deadline = began + seconds
    for n, paced in enumerate(connections):
        paced.due = began + (n * drive.interval / conns if rate else 0.0)
        drive.loop.call_at(drive.at(paced.due), paced.send)
    await asyncio.gather(*(paced.closed for paced in connections))
    elapsed = time.perf_counter() - began
    latencies, statuses = drive.latencies, drive.statuses
    return {
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p99": pct(latencies, 0.99),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def _wrk(port: int, path: str, headers: dict[str, str], conns: int, seconds: float) -> dict:
    script = "wrk.method = 'POST'\n" + f"wrk.body = {json.dumps(body_of(1).decode())}\n"
    script += "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cmd = ["wrk", "-t2", f"-c{conns}", f"-d{int(seconds)}s", "--timeout", "10s", "--latency", "-s", f.name]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    os.unlink(f.name)

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        assert match, out
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    assert rps, out
    return {
        "rps": float(rps.group(1)),
        "p50": ms("50%"),
        "p99": ms("99%"),
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "none",
    }


def drive(port: int, path: str, headers: dict[str, str], conns: int, seconds: float, rate: float = 0) -> dict:
    """Runs the load from a separate process: wrk for the closed loop when installed, else ours."""
    if not rate and shutil.which("wrk"):
        return _wrk(port, path, headers, conns, seconds)
    args = json.dumps([port, path, headers, conns, seconds, rate])
    out = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", "--drive", args], capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- the processes under test --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "EZY_DATABASE_URL": settings.database_url,
        "EZY_REDIS_URL": REDIS,
        "EZY_SECRET_KEY": settings.secret_key or "",
        "EZY_LOG_LEVEL": "WARNING",
        "EZY_ALLOW_PRIVATE_NETWORKS": "true",
        "EZY_RATE_LIMIT_PER_WEBHOOK_ENDPOINT": "off",
        **extra,
    }


@contextmanager
def process(
    cmd: list[str], env: dict[str, str] | None, port: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env=env)
    try:
        if port is not None:
            deadline = time.monotonic() + 30
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ezy(
    settings: Settings, role: str, port: int | None = None
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    env = env_for(settings, EZY_PORT=str(port or 0))
    return process([sys.executable, "-m", "ezy.cli", role], env, port)


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measured(server: subprocess.Popen[bytes], run: Callable[[], dict], seconds: float) -> dict:
    before = cpu_seconds(server.pid)
    result = run()
    result["cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / max(1.0, result["rps"] * seconds)
    return result


async def acceptance(
    settings: Settings, endpoint: WebhookEndpoint, key: str, args: argparse.Namespace
) -> None:
    endpoint_id = endpoint.id
    path = f"/api/v1/webhooks/{endpoint_id}"
    headers = {"Content-Type": "application/json", "Authorization": f"ApiKey {key}"}
    conns, seconds = args.connections, args.seconds
    port = free_port()
    with ezy(settings, "serve", port) as server:
        drive(port, path, headers, conns, 2)  # warm-up
        full = measured(server, lambda: drive(port, path, headers, conns, seconds), seconds)
        rate = full["rps"] / 2
        half = measured(server, lambda: drive(port, path, headers, conns, seconds, rate=rate), seconds)
    port = free_port()
    with process([sys.executable, "-m", "bench.webhooks", "--serve-bare", str(port)], None, port) as server:
        drive(port, path, headers, conns, 2)
        bare = measured(server, lambda: drive(port, path, headers, conns, seconds), seconds)
        bare_half = drive(port, path, headers, conns, seconds, rate=rate)
    port, dsn = free_port(), settings.database_url.replace("postgres://", "postgresql://", 1)
    durable = [dsn, str(endpoint_id), str(endpoint.tenant_id)]
    with process(
        [sys.executable, "-m", "bench.webhooks", "--serve-bare", str(port), *durable], None, port
    ) as server:
        drive(port, path, headers, conns, 2)
        durable_half = measured(
            server, lambda: drive(port, path, headers, conns, seconds, rate=rate), seconds
        )
    tool = "wrk" if shutil.which("wrk") else "asyncio driver"
    print(f"acceptance: 1 KB generic deliveries, ApiKey auth, {conns} connections, {seconds:.0f} s ({tool})")
    print("                                  req/s      p50 ms    p99 ms")
    rows = [("bare Starlette endpoint", bare), ("ezy serve", full), ("ezy serve at half (fixed)", half)]
    rows.append(("bare at that rate (fixed)", bare_half))  # the latency floor of machine and driver
    # ... and of a durable answer: the same commits with nothing else (no auth, no parsing, no ORM).
    rows.append(("bare+durable INSERT (fixed)", durable_half))
    for label, row in rows:
        print(f"  {label:<28}{row['rps']:8.0f}  {row['p50']:9.1f} {row['p99']:9.1f}")
    print(f"  ratio to bare {full['rps'] / bare['rps']:.3f}x (target >= 0.3x); p99 at half (target < 50 ms)")
    print(f"  errors at max: {full.get('non2xx', 0)} non-2xx, socket errors {full.get('socket_errors')}")
    # CPU time of the server process per answer: what a busy machine does not distort.
    cpu = f"bare {bare['cpu_ms']:.3f} ms, ezy {full['cpu_ms']:.3f} ms"
    print(f"  server CPU per request: {cpu} (PostgreSQL's apart)")
    at_half = f"ezy {half['cpu_ms']:.3f} ms, bare + durable INSERT {durable_half['cpu_ms']:.3f} ms"
    print(f"  server CPU per request at half (smaller batches, fewer shared): {at_half}")
    print(f"  answers at half: {half['statuses']}")


async def processing(
    settings: Settings, endpoint_ids: list[uuid.UUID], key: str, args: argparse.Namespace
) -> None:
    n, dups, port = args.deliveries, args.duplicates, free_port()
    # Ids 0..n-dups-1, then `dups` repeats of earlier ids: exactly n - dups distinct deliveries. A
    # delivery goes to endpoint `i % len(endpoint_ids)` (so does its repeat: dedup is per endpoint).
    sends = [i for i in range(n - dups)] + [i for i in range(dups)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in sends:
        queue.put_nowait(i)
    headers = {"Content-Type": "application/json", "Authorization": f"ApiKey {key}"}

    async def sender() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            i = queue.get_nowait()
            path = f"/api/v1/webhooks/{endpoint_ids[i % len(endpoint_ids)]}"
            writer.write(_request(path, {**headers, "webhook-id": f"bench-{i}"}, body_of(i)))
            assert await _read_response(reader) in (200, 202)
        writer.close()

    with ezy(settings, "serve", port):
        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(32)))
        send_s = time.perf_counter() - started
    ours = WebhookDelivery.filter(endpoint_id__in=endpoint_ids)
    received = await ours.count()
    started = time.perf_counter()
    deadline = time.monotonic() + args.timeout
    with ezy(settings, "worker"), ezy(settings, "worker"):
        while time.monotonic() < deadline:
            if not await ours.filter(status="accepted").exists():
                break
            await asyncio.sleep(0.05)
        wall_s = time.perf_counter() - started
    counts: dict[str, int] = {}
    for status in await ours.values_list("status", flat=True):
        counts[str(status)] = counts.get(str(status), 0) + 1
    # From the first run's start to the last delivery settled: the workers' start-up is left out.
    runs = SyncLog.filter(trigger="webhook", started_at__isnull=False)
    first = await runs.order_by("started_at").first()
    last = await ours.filter(processed_at__isnull=False).order_by("-processed_at").first()
    settled = counts.get("processed", 0) + counts.get("failed", 0)
    assert first and first.started_at and last and last.processed_at
    drain_s = (last.processed_at - first.started_at).total_seconds()
    print(
        f"processing: {n} deliveries ({dups} repeat an earlier webhook-id) to {len(endpoint_ids)} "
        "instances, two workers, sample sink"
    )
    print(f"  sent in {send_s:.1f} s ({received} stored); drained in {wall_s:.1f} s with worker start-up")
    print(f"  {settled / drain_s:.0f} deliveries/s from the first run's start to the last settled")
    print(f"  runs {await runs.count()}; counts {counts}")
    print(f"  exactly {n - dups} processed: {'yes' if counts.get('processed') == n - dups else 'NO'}")


def _generic(instance_id: Any) -> WebhookEndpointInput:
    return WebhookEndpointInput.model_validate({"instanceId": str(instance_id), "provider": "generic"})


async def main(args: argparse.Namespace) -> None:
    runtime: Runtime
    async with fresh_runtime() as runtime:
        tenant, issued = await create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
        (instance,) = await make_instances(tenant.id, 1)
        ctx = TenantContext(tenant.id)
        made = await endpoints.create(ctx, _generic(instance.id))
        if not args.skip_acceptance:
            await acceptance(runtime.settings, made.endpoint, issued.secret, args)
        if args.deliveries:
            tenant, issued = await create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
            ctx, ids = TenantContext(tenant.id), []
            for other in await make_instances(tenant.id, args.instances):
                made = await endpoints.create(ctx, _generic(other.id))
                ids.append(made.endpoint.id)
            await processing(runtime.settings, ids, issued.secret, args)


if __name__ == "__main__":
    if len(sys.argv) in (3, 6) and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3:] or None)
    elif len(sys.argv) == 3 and sys.argv[1] == "--drive":
        print(json.dumps(_run_light(_drive(*json.loads(sys.argv[2])))))
    else:
        parser = argparse.ArgumentParser(
            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        parser.add_argument("--seconds", type=float, default=10)
        parser.add_argument("--connections", type=int, default=128)
        parser.add_argument("--deliveries", type=int, default=10000)
        parser.add_argument("--duplicates", type=int, default=1000)
        parser.add_argument("--instances", type=int, default=4, help="deliveries spread over these")
        parser.add_argument("--timeout", type=float, default=600, help="give up draining after this")
        parser.add_argument("--skip-acceptance", action="store_true")
        asyncio.run(main(parser.parse_args()))
