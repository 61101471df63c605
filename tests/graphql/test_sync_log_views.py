"""GraphQL's sync logs answer what REST's answer: the same counts, stages (defaults filled in, unknown
members ignored), ids and timestamps, for every log of a page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from ezy.runs.models import SyncLog
from ezy.timefmt import utcnow
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

STAGE = "{ in out failed ms }"
QUERY = (
    "{ syncLogs(pageSize: 10) { total items { id instanceId correlationId attempt overlap error "
    "createdAt startedAt finishedAt counts { total success failed skipped } "
    f"stages {{ extract {STAGE} normalize {STAGE} transform {{ in out failed ms skipped }} "
    f"validate {STAGE} load {STAGE} }} }} }} }}"
)
STORED: list[dict[str, Any]] = [
    {},
    {"extract": {"in": 3, "out": 3, "failed": 0, "ms": 1.25}},
    {"transform": {"in": 3, "out": 2, "skipped": 1, "ms": 2}, "validate": {"failed": 1}},
    {"load": {"in": 5, "out": 5, "failed": 0, "ms": 0, "laterMember": 7}, "futureStage": {"in": 1}},
]


async def test_graphql_sync_logs_are_rests(
    client: httpx.AsyncClient, gql: GraphQLClient, tenant: TestTenant
) -> None:
    now = utcnow()
    for i, stages in enumerate(STORED):
        await SyncLog.create(
            tenant_id=tenant.id,
            instance_id=uuid.uuid4(),
            correlation_id=uuid.uuid4(),
            trigger="api",
            status="partial",
            total=4,
            success=2,
            failed=1,
            skipped=1,
            stages=stages,
            attempt=i,
            overlap="waited" if i % 2 else None,
            error="a reason" if i == 2 else None,
            started_at=now - timedelta(seconds=i, microseconds=1500 * i),
            finished_at=now if i else None,
        )
    rest = (await client.get("/api/v1/sync-logs?pageSize=10", headers=tenant.headers)).json()
    graphql = (await gql.data(QUERY))["syncLogs"]
    assert graphql["total"] == rest["total"] == len(STORED)
    members = list(graphql["items"][0])
    assert [{m: item[m] for m in members} for item in rest["items"]] == graphql["items"]
