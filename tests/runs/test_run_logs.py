"""One run's log lines, in the API process and in the worker, carry its correlation id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from ezy.logs import correlation_id_var, formatter
from ezy.runs.models import TERMINAL, SyncLog
from ezy.runtime import Runtime
from tests.conftest import TEST_REDIS_URL, TestTenant, on_postgres
from tests.runs.conftest import Drain, make_instance


@contextmanager
def captured() -> Iterator[list[dict[str, Any]]]:
    """Every line logged inside, as ezy renders it in JSON (`ezy.logs.formatter`), parsed."""
    stream, lines = io.StringIO(), []
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(json=True))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def about(lines: list[dict[str, Any]], *ids: str) -> list[dict[str, Any]]:
    """The lines that name the run (by its id, or arq's by the job id: the correlation id)."""
    return [line for line in lines if any(i in line["event"] for i in ids)]


async def _trigger(client: httpx.AsyncClient, tenant: TestTenant, instance_id: object) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/sync-events", json={"instanceId": str(instance_id)}, headers=tenant.headers
    )
    assert response.status_code == 202
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_api_and_the_worker_tag_a_runs_lines_with_its_correlation_id(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await make_instance(runtime, tenant.id, count=5)
    with captured() as api:
        started = await _trigger(client, tenant, instance.id)
    with captured() as worker:
        await drain()
    run_id, correlation_id = started["syncLogId"], started["correlationId"]

    queued = about(api, run_id)
    assert [line["event"] for line in queued] == [f"run {run_id} queued (api, instance {instance.id})"]
    assert queued[0]["correlation_id"] == correlation_id
    ran = about(worker, run_id, correlation_id)
    events = [line["event"] for line in ran]
    assert f"run {run_id} started (api, attempt 1)" in events
    assert f"run {run_id} partial: 2 of 5 records failed" in events
    assert len(ran) >= 4  # and arq's lines: the job taken, the job done
    assert {line.get("correlation_id") for line in ran} == {correlation_id}
    # The binding ends with the request and the run: no other line is tagged with this run's id
    # (other runs the worker took have their own), and the worker's own lines with none.
    assert correlation_id_var.get() is None
    assert all(line.get("correlation_id") != correlation_id for line in worker if line not in ran)
    (start,) = [line for line in worker if line["event"].startswith("Starting worker")]
    assert "correlation_id" not in start


@pytest.mark.skipif(
    not (on_postgres() and TEST_REDIS_URL), reason="a worker process needs PostgreSQL and Redis"
)
async def test_an_ezy_worker_process_logs_the_runs_correlation_id(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    instance = await make_instance(runtime, tenant.id, count=5)
    started = await _trigger(client, tenant, instance.id)
    env = {
        **os.environ,
        "EZY_DATABASE_URL": runtime.settings.database_url,
        "EZY_REDIS_URL": TEST_REDIS_URL,
        "EZY_SECRET_KEY": runtime.settings.secret_key or "",
        "EZY_LOG_LEVEL": "INFO",
    }
    worker = subprocess.Popen(  # noqa: ASYNC220 (started once; the test then polls the database)
        [sys.executable, "-m", "ezy.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):
            run = await SyncLog.get(id=started["syncLogId"])
            if run.status in TERMINAL:
                break
            await asyncio.sleep(0.1)
        assert run.status in TERMINAL
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=30)
    lines = [line for line in err.splitlines() if started["syncLogId"] in line]
    assert len(lines) >= 3, err  # arq's job taken, the run started, its final status
    assert all(f"correlation_id={started['correlationId']}" in line for line in lines), err
