"""Instances built straight on the ORM (the configuration API is tested elsewhere) and a burst worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ezy.connections.models import ConnectionProfile
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.queue import open_pool
from ezy.runtime import Runtime
from ezy.webhooks import pickup
from tests.conftest import TEST_REDIS_URL
from workers.settings import build_worker

# Products whose first variant costs more than 100 fail validation: a realistic partial run.
DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "incremental": {"cursorField": "updated_at"}, "batchSize": 5},
    "normalize": {"trimStrings": True, "emptyAsNull": True},
    "transform": {
        "key": "$string(id)",
        "fields": {"externalId": "$string(id)", "title": "title", "price": "$number(variants[0].price)"},
    },
    "validate": {
        "required": ["externalId"],
        "schema": {"type": "object", "properties": {"price": {"maximum": 100}}},
    },
    "load": {"resource": "items", "keys": ["externalId"], "batchSize": 5},
}


async def make_instance(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    *,
    count: int = 20,
    document: dict[str, Any] | None = None,
    target: tuple[str, dict[str, Any], dict[str, Any]] = ("sample", {}, {}),
    status: str = "active",
    options: dict[str, Any] | None = None,
) -> Instance:
    box = runtime.secret_box
    assert box is not None
    tag = uuid.uuid4().hex[:8]
    source = await ConnectionProfile.create(
        tenant_id=tenant_id, name=f"src-{tag}", kind="sample", config={"count": count, "seed": 7}
    )
    kind, config, secrets = target
    sink = await ConnectionProfile.create(
        tenant_id=tenant_id,
        name=f"dst-{tag}",
        kind=kind,
        config=config,
        secrets_encrypted=box.encrypt(secrets),
        secret_keys=sorted(secrets),
    )
    mapping = await MappingConfiguration.create(
        tenant_id=tenant_id, name=f"map-{tag}", document=document or DOCUMENT
    )
    return await Instance.create(
        tenant_id=tenant_id,
        name=f"inst-{tag}",
        source_profile=source,
        target_profile=sink,
        mapping=mapping,
        status=status,
        options=options or {},
    )


Drain = Callable[[], Awaitable[None]]


@pytest.fixture
def drain(runtime: Runtime) -> Drain:
    """Runs an arq worker until the queue is empty, as `ezy worker` would."""

    async def run() -> None:
        assert runtime.redis_settings is not None
        await pickup.idle()  # the runs of webhook deliveries just accepted are queued
        worker = build_worker(runtime, await open_pool(runtime.redis_settings), burst=True)
        try:
            # Bounded: a job held "in progress" by a dead worker would keep a burst worker polling.
            await asyncio.wait_for(worker.async_run(), timeout=60)
        finally:
            await worker.close()

    return run


def worker_process(runtime: Runtime) -> subprocess.Popen[bytes]:
    """A real `ezy worker` on the test database and Redis, for tests that SIGKILL it."""
    env = {
        **os.environ,
        "EZY_DATABASE_URL": runtime.settings.database_url,
        "EZY_REDIS_URL": TEST_REDIS_URL,
        "EZY_SECRET_KEY": runtime.settings.secret_key or "",
        "EZY_ALLOW_PRIVATE_NETWORKS": "true",
        "EZY_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ezy.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
