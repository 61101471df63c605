"""`ezy up` on the embedded default: it stops everything it started, every time, and only one runs
per data directory; its embedded Redis comes back if it dies."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from tests.faults.conftest import Ezy, clean_env, free_port, wait_until

pytestmark = pytest.mark.faults


def _embedded(tmp_path: Path) -> tuple[Ezy, int]:
    port = free_port()
    return Ezy(tmp_path, clean_env(EZY_PORT=str(port))), port


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _redis_child(up: subprocess.Popen[bytes]) -> psutil.Process:
    children = [p for p in psutil.Process(up.pid).children() if p.name() == "redis-server"]
    assert len(children) == 1, children
    return children[0]


def _redis_servers_under(path: Path) -> list[str]:
    """`pgrep -af redis-server`, limited to servers whose socket lives under `path`."""
    found = subprocess.run(["pgrep", "-af", "redis-server"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if str(path) in line]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_up_runs_once_per_data_directory_and_stopping_it_stops_its_embedded_redis(
    tmp_path: Path, stop: signal.Signals
) -> None:
    ezy, port = _embedded(tmp_path)
    up = ezy.start("up", "up")
    wait_until(lambda: _ready(port), 30, "ezy up to become ready")
    redis = _redis_child(up)
    assert _redis_servers_under(tmp_path), "the embedded Redis should run under the data directory"
    if stop == signal.SIGTERM:
        second = ezy.run("up", check=False)
        assert second.returncode != 0, second.stdout
        assert f"another `ezy up` (pid {up.pid}) is running" in second.stderr
        assert str((tmp_path / ".ezy").resolve()) in second.stderr
        assert up.poll() is None and _ready(port)
    up.send_signal(stop)
    up.wait(timeout=30)
    # SIGINT (Ctrl-C), SIGTERM: a graceful stop; SIGKILL: the kernel tells the child its parent died.
    wait_until(lambda: not redis.is_running(), 10, f"redis-server to exit on {stop.name}")
    assert _redis_servers_under(tmp_path) == []
    if stop != signal.SIGKILL:
        assert "embedded redis stopped" in ezy.log("up") and "Traceback" not in ezy.log("up")


def test_commands_other_than_up_refuse_to_create_a_setup(tmp_path: Path) -> None:
    ezy, _ = _embedded(tmp_path)
    for command in (("run", "00000000-0000-0000-0000-000000000000"), ("tenants", "create", "acme")):
        result = ezy.run(*command, check=False)
        assert result.returncode != 0
        assert f"no EZY database at {tmp_path.resolve() / 'ezy.db'}" in result.stderr
        assert "`ezy up`" in result.stderr and "EZY_DATABASE_URL" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_up_restarts_a_dead_embedded_redis_and_its_worker_carries_on(tmp_path: Path) -> None:
    ezy, port = _embedded(tmp_path)
    up = ezy.start("up", "up", "--demo")
    try:
        wait_until(lambda: _ready(port), 30, "ezy up --demo to become ready")
        instance_id = ezy.log("up").split("instance ", 1)[1].split()[0]
        old = _redis_child(up)
        old.kill()
        restarted = lambda: bool(_redis_servers_under(tmp_path)) and _redis_child(up).pid != old.pid  # noqa: E731
        wait_until(restarted, 15, "the embedded redis-server to be restarted")
        run = ezy.run("run", instance_id, "--follow", check=False)
        assert run.returncode == 3, run.stdout + run.stderr  # partial: the demo rejects prices over 150
        assert "total 500" in run.stdout
        assert up.poll() is None
        log = ezy.log("up")
        assert "the embedded redis-server exited" in log and "is back after" in log
    finally:
        ezy.stop_all()
    assert _redis_servers_under(tmp_path) == []
