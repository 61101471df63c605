"""`ezy up` in a fresh directory: SQLite, embedded Redis, migrations, and a key from `ezy tenants create`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_up_serves_the_api_on_the_embedded_default(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZY_")}
    env.update(EZY_PORT=str(port))
    cli = [sys.executable, "-m", "ezy.cli"]
    server = subprocess.Popen(
        [*cli, "up"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ezy up did not become ready"
            time.sleep(0.2)
        # The README's order: `ezy up` makes the setup, then a tenant from another shell.
        created = json.loads(
            subprocess.run(
                [*cli, "tenants", "create", "acme", "--json"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        )
        listed = httpx.get(
            f"{base}/api/v1/api-keys", headers={"Authorization": f"ApiKey {created['apiKey']}"}
        )
        assert listed.status_code == 200
        assert created["apiKey"].startswith(listed.json()["items"][0]["prefix"])
        assert (tmp_path / "ezy.db").exists() and (tmp_path / ".ezy" / "secret.key").exists()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output and "Traceback" not in output
    assert created["apiKey"] not in output


CLI = [sys.executable, "-m", "ezy.cli"]


@contextmanager
def _up_demo(tmp_path: Path, env: dict[str, str]) -> Iterator[list[str]]:
    """`ezy up --demo` until it is ready: its first five lines (instances, key, hints)."""
    server = subprocess.Popen(
        [*CLI, "up", "--demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []
        while len(lines) < 5:
            line = server.stdout.readline()
            # The first start also says it created the secret key (README: "and says so").
            if not line.startswith("EZY_SECRET_KEY is not set"):
                lines.append(line)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{env['EZY_PORT']}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ezy up --demo did not become ready"
            time.sleep(0.2)
        yield lines
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Application shutdown complete" in output and "Traceback" not in output


def _demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EZY_")}
    env.update(EZY_PORT=str(_free_port()))
    return env


def _follow(tmp_path: Path, env: dict[str, str], instance_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "run", instance_id, "--follow"],
        cwd=tmp_path,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )


def _instance(line: str) -> str:
    return line.split("instance ")[1].split()[0]


def test_up_demo_runs_both_instances_and_ezy_run_follows_to_the_final_counts(tmp_path: Path) -> None:
    env = _demo_env()
    base = f"http://127.0.0.1:{env['EZY_PORT']}"
    with _up_demo(tmp_path, env) as lines:
        instance_id, shopify_id = _instance(lines[0]), _instance(lines[1])
        key = lines[2].rsplit(" ", 1)[1].strip()
        # The Shopify instance reads a store this process serves, and says so.
        assert "LOCAL STAND-IN store at http://127.0.0.1:" in lines[1] and "not Shopify" in lines[1], lines
        listed = httpx.get(
            f"{base}/api/v1/instances/{instance_id}", headers={"Authorization": f"ApiKey {key}"}
        )
        assert listed.status_code == 200 and listed.json()["status"] == "active"
        run = _follow(tmp_path, env, instance_id)
        if "total 0" in run.stdout:
            # The demo's every-minute schedule fired first and, being incremental, took the records:
            # then that run must show what `ezy run` would have.
            assert run.returncode == 0, run.stdout + run.stderr
            logs = httpx.get(
                f"{base}/api/v1/sync-logs",
                params={"instanceId": instance_id, "trigger": "schedule"},
                headers={"Authorization": f"ApiKey {key}"},
            ).json()["items"]
            assert [(log["status"], log["counts"]["total"]) for log in logs] == [("partial", 500)], logs
        else:
            assert run.returncode == 3, run.stdout + run.stderr  # partial: the demo rejects prices over 150
            assert "total 500" in run.stdout and "partial" in run.stdout
        # The stand-in store's 40 products, read through the shopify connector (its Admin GraphQL
        # queries, paging and cost pacing), all pass the demo's mapping.
        run = _follow(tmp_path, env, shopify_id)
        assert run.returncode == 0 and "succeeded" in run.stdout, run.stdout + run.stderr
        if "total 40" not in run.stdout:
            # The schedule fired first and took the products; `ezy run` re-read only the overlap.
            logs = httpx.get(
                f"{base}/api/v1/sync-logs",
                params={"instanceId": shopify_id, "trigger": "schedule"},
                headers={"Authorization": f"ApiKey {key}"},
            ).json()["items"]
            assert [(log["status"], log["counts"]["total"]) for log in logs] == [("succeeded", 40)], logs


def test_up_demo_again_points_the_shopify_instance_at_the_new_stand_in(tmp_path: Path) -> None:
    env = _demo_env()
    with _up_demo(tmp_path, env) as first:
        pass
    with _up_demo(tmp_path, env) as again:
        # The same instance, reading the stand-in this process serves (on a new port): not the old one.
        assert _instance(again[1]) == _instance(first[1]) and again[1] != first[1], (first, again)
        run = _follow(tmp_path, env, _instance(again[1]))
        assert run.returncode == 0 and "succeeded" in run.stdout, run.stdout + run.stderr
