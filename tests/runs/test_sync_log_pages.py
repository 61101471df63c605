"""The whole sync-log list answers the same pages and totals as a plain OFFSET over every run would,
at any depth: its total and deep pages come from per-hour counts kept by database triggers."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ezy.runs.models import SyncLog
from ezy.runs.pages import SEEK_FROM
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
RUNS = SEEK_FROM + 300  # deep pages start past SEEK_FROM


def _runs(tenant_id: uuid.UUID, count: int, seed: int) -> list[SyncLog]:
    """`count` runs over 40 hours, a few sharing a moment (ties broken by id), some at an hour's edge."""
    rng = random.Random(seed)
    moments = [T0 + timedelta(microseconds=rng.randrange(40 * 3600 * 10**6)) for _ in range(count - 30)]
    moments += [T0 + timedelta(hours=7)] * 10 + [T0 + timedelta(hours=12, microseconds=1)] * 10
    moments += [T0 + timedelta(hours=h, microseconds=-1) for h in range(1, 11)]
    return [
        SyncLog(
            tenant_id=tenant_id,
            instance_id=uuid.uuid4(),
            correlation_id=uuid.uuid4(),
            trigger="api",
            status="succeeded",
            created_at=at,
        )
        for at in moments
    ]


async def _expected(tenant_id: uuid.UUID) -> list[str]:
    rows = (
        await SyncLog.filter(tenant_id=tenant_id).order_by("-created_at", "-id").values_list("id", flat=True)
    )
    return [str(r) for r in rows]


async def _page(client: httpx.AsyncClient, tenant: TestTenant, page: int, size: int) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/sync-logs", params={"page": page, "pageSize": size}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def filled(tenant: TestTenant, other_tenant: TestTenant) -> list[str]:
    await SyncLog.bulk_create(_runs(tenant.id, RUNS, seed=1), batch_size=500)
    await SyncLog.bulk_create(_runs(other_tenant.id, 400, seed=2), batch_size=500)  # same hours
    return await _expected(tenant.id)


@pytest.mark.parametrize("size", [1, 7, 50, 200])
async def test_every_depth_answers_the_rows_and_total_of_a_plain_offset(
    client: httpx.AsyncClient, tenant: TestTenant, filled: list[str], size: int
) -> None:
    assert len(filled) == RUNS
    last = -(-RUNS // size)
    pages = sorted({1, 2, SEEK_FROM // size, SEEK_FROM // size + 1, last - 1, last, last + 1, 1_000_000})
    for page in [p for p in pages if p >= 1]:
        body = await _page(client, tenant, page, size)
        offset = (page - 1) * size
        assert [item["id"] for item in body["items"]] == filled[offset : offset + size], page
        assert (body["page"], body["pageSize"], body["total"]) == (page, size, RUNS)


async def test_every_page_in_turn_lists_every_run_once(
    client: httpx.AsyncClient, tenant: TestTenant, filled: list[str]
) -> None:
    seen: list[str] = []
    for page in range(1, RUNS // 97 + 2):
        seen += [item["id"] for item in (await _page(client, tenant, page, 97))["items"]]
    assert seen == filled


async def test_the_counts_follow_deleted_and_moved_runs(
    client: httpx.AsyncClient, tenant: TestTenant, filled: list[str]
) -> None:
    gone = filled[SEEK_FROM + 10 : SEEK_FROM + 30] + filled[:5]
    await SyncLog.filter(id__in=gone).delete()
    moved = filled[-1]  # the oldest run becomes the newest
    await SyncLog.filter(id=moved).update(created_at=T0 + timedelta(days=5))
    expected = [moved] + [i for i in filled if i not in gone and i != moved]

    deep = await _page(client, tenant, SEEK_FROM // 50 + 1, 50)
    offset = SEEK_FROM
    assert [item["id"] for item in deep["items"]] == expected[offset : offset + 50]
    first = await _page(client, tenant, 1, 50)
    assert first["items"][0]["id"] == moved
    assert first["total"] == deep["total"] == len(expected)


async def test_a_tenant_without_runs_has_empty_pages_at_any_depth(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    for page in (1, 2, SEEK_FROM, 1_000_000):
        body = await _page(client, tenant, page, 50)
        assert (body["items"], body["total"], body["page"]) == ([], 0, page)


async def test_graphql_deep_pages_match_rest(
    client: httpx.AsyncClient, tenant: TestTenant, filled: list[str]
) -> None:
    gql = GraphQLClient(client, tenant.headers)
    page = SEEK_FROM // 20 + 3
    data = await gql.data(
        "query($p: Int!) { syncLogs(page: $p, pageSize: 20) { page pageSize total items { id } } }",
        {"p": page},
    )
    offset = (page - 1) * 20
    assert data["syncLogs"] == {
        "page": page,
        "pageSize": 20,
        "total": RUNS,
        "items": [{"id": i} for i in filled[offset : offset + 20]],
    }


async def test_a_filtered_list_counts_only_what_matches(
    client: httpx.AsyncClient, tenant: TestTenant, filled: list[str]
) -> None:
    until = (T0 + timedelta(hours=10)).isoformat().replace("+00:00", "Z")
    response = await client.get(
        "/api/v1/sync-logs", params={"to": until, "pageSize": 200}, headers=tenant.headers
    )
    early = await SyncLog.filter(tenant_id=tenant.id, created_at__lt=T0 + timedelta(hours=10)).count()
    assert 200 < early < RUNS
    assert response.json()["total"] == early
    assert [i["id"] for i in response.json()["items"]] == filled[RUNS - early : RUNS - early + 200]
