"""Faults: a PostgreSQL target that refuses part of a bulk replay's writes loses and repeats nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.mappings.models import MappingConfiguration
from ezy.runs.models import EntityError, SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance
from tests.runs.test_dlq_repair import BUGGY, RECORDS

PG_DSN = os.environ.get("EZY_TEST_POSTGRES_DSN", "")
pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not PG_DSN, reason="needs a PostgreSQL target (EZY_TEST_POSTGRES_DSN)"),
]


@pytest.fixture
async def strict_table() -> AsyncIterator[str]:
    """A target table whose CHECK refuses prices over 100: about half the sample's products."""
    import asyncpg

    table = f"ezy_strict_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(
            f'CREATE TABLE "{table}" ("externalId" text PRIMARY KEY, "title" text, "sku" text NOT NULL,'
            ' "price" numeric CHECK ("price" <= 100))'
        )
        yield table
    finally:
        await conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        await conn.close()


async def _rows(table: str) -> list[dict[str, Any]]:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    try:
        return [dict(r) for r in await conn.fetch(f'SELECT "externalId", "price" FROM "{table}"')]
    finally:
        await conn.close()


async def test_a_bulk_replay_into_a_target_refusing_some_rows_settles_each_message_once(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain, strict_table: str
) -> None:
    buggy = {**BUGGY, "load": {**BUGGY["load"], "resource": strict_table}}
    instance = await make_instance(
        runtime, tenant.id, count=RECORDS, document=buggy, target=("postgres", {"dsn": PG_DSN}, {})
    )
    await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    assert await DeadLetter.filter(instance_id=instance.id, status="pending").count() == RECORDS
    fields = {**buggy["transform"]["fields"], "sku": "variants[0].sku"}
    fixed = {**buggy, "transform": {**buggy["transform"], "fields": fields}}
    await MappingConfiguration.filter(id=instance.mapping_id).update(document=fixed)

    answer = await client.post(
        "/api/v1/dlq/replay", json={"filter": {"instanceId": str(instance.id)}}, headers=tenant.headers
    )
    acknowledged = answer.json()["count"]
    await drain()

    log = await SyncLog.get(instance_id=instance.id, trigger="replay")
    assert acknowledged == RECORDS == log.total == log.success + log.failed
    assert log.status == "partial" and log.success > 0 and log.failed > 0
    letters = await DeadLetter.filter(instance_id=instance.id)
    resolved = {str(x.entity_key) for x in letters if x.status == "resolved"}
    refused = [x for x in letters if x.status == "pending"]
    assert len(resolved) == log.success and len(refused) == log.failed  # nothing lost
    assert all(x.resolved_by_sync_log_id == log.id for x in letters if x.status == "resolved")
    # Each refused record failed at load, once more, and kept its source record.
    assert {(x.stage, x.code, x.attempts) for x in refused} == {("load", "load_rejected", 2)}
    assert all(x.mapped_payload["price"] > 100 and "variants" in x.payload for x in refused)  # type: ignore[index,operator]
    # The table holds exactly the resolved records, each once; the refused ones are not in it.
    rows = await _rows(strict_table)
    assert sorted(r["externalId"] for r in rows) == sorted(resolved)
    assert not {x.entity_key for x in refused} & {r["externalId"] for r in rows}
    errors = await EntityError.filter(sync_log_id=log.id).values_list("dead_letter_id", flat=True)
    assert sorted(map(str, errors)) == sorted(str(x.id) for x in refused)  # one error per refusal
