"""A page read by its compiled statement (`ezy.listsql`) is the page Tortoise reads: rows, order, total.

The rows are compared member by member with Tortoise's own instances, for each shape of filter a
service sends (none, an enum, an id, a time range) and in both orders `paginate` is given.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from ezy.listsql import all_rows, page_statement
from ezy.pagination import PageRequest, paginate
from ezy.runs.models import SyncLog
from ezy.timefmt import utcnow
from tests.conftest import TestTenant, on_postgres


async def _logs(tenant: TestTenant, other: TestTenant, n: int = 7) -> uuid.UUID:
    instance_id = uuid.uuid4()
    now = utcnow()
    for i in range(n):
        for owner in (tenant, other):  # another tenant's rows, in the same table, never answered
            await SyncLog.create(
                tenant_id=owner.id,
                instance_id=instance_id if i % 2 else uuid.uuid4(),
                correlation_id=uuid.uuid4(),
                trigger="api",
                status="failed" if i % 3 else "succeeded",
                stages={"extract": {"in": i}},
                started_at=now - timedelta(minutes=i),
                total=i,
            )
    return instance_id


def _members(row: Any) -> dict[str, str]:
    """Each member's repr: types and time zones count, not only equality."""
    found = {name: repr(value) for name, value in vars(row).items()}
    found.pop("page_total", None)  # Tortoise's annotation; the compiled page reads it from the row
    return found


async def _same_as_tortoise(query: QuerySet[Any], order: str = "-created_at") -> None:
    for request in (PageRequest(1, 3), PageRequest(2, 3), PageRequest(3, 3), PageRequest(9, 3)):
        page = await paginate(query, request, order=order)
        expected = await query.order_by(order, "-id").offset(request.offset).limit(request.page_size)
        assert [_members(row) for row in page.items] == [_members(row) for row in expected]
        assert [type(row) for row in page.items] == [type(row) for row in expected]
        assert page.total == await query.count()


async def test_pages_of_each_filter_shape_are_tortoises(tenant: TestTenant, other_tenant: TestTenant) -> None:
    instance_id = await _logs(tenant, other_tenant)
    rows = SyncLog.filter(tenant_id=tenant.id)
    middle = await rows.order_by("created_at").offset(3).first()
    assert middle is not None
    for query in (
        rows,
        rows.filter(status="failed"),
        rows.filter(instance_id=instance_id, trigger="api"),
        rows.filter(created_at__gte=middle.created_at),
        rows.filter(created_at__lt=middle.created_at, status="succeeded"),
        rows.filter(status__in=["failed", "queued"]),
    ):
        assert (page_statement(query, "-created_at") is not None) == on_postgres()
        await _same_as_tortoise(query)
    await _same_as_tortoise(rows, order="created_at")


async def test_other_queries_are_read_by_tortoise(tenant: TestTenant, other_tenant: TestTenant) -> None:
    await _logs(tenant, other_tenant)
    rows = SyncLog.filter(tenant_id=tenant.id)
    for query in (
        rows.exclude(status="failed"),
        rows.filter(Q(status="failed") | Q(total=0)),
        rows.filter(status__not="failed"),
        rows.filter(error=None),
    ):
        assert page_statement(query, "-created_at") is None
        await _same_as_tortoise(query)


async def test_a_batch_by_id_is_tortoises(tenant: TestTenant, other_tenant: TestTenant) -> None:
    await _logs(tenant, other_tenant)
    mine = await SyncLog.filter(tenant_id=tenant.id).order_by("created_at")
    theirs = await SyncLog.filter(tenant_id=other_tenant.id).first()
    assert theirs is not None
    for ids in ([], [mine[0].id], [row.id for row in mine[1:4]] + [theirs.id, uuid.uuid4()]):
        query = SyncLog.filter(tenant_id=tenant.id, id__in=ids)
        found = sorted((_members(row) for row in await all_rows(query)), key=lambda m: m["created_at"])
        expected = sorted((_members(row) for row in await query), key=lambda m: m["created_at"])
        assert found == expected and len(found) == len([i for i in ids if i in {r.id for r in mine}])
