"""Pages of a tenant's whole sync-log list, at any depth, without counting or skipping a million runs.

`sync_log_hours` (migration 4, kept by triggers in the writing transaction) says how many runs the
tenant has in each hour. The total is their sum. A page within the first `SEEK_FROM` runs is read
as any list is (one statement, the total as a scalar subquery). A deeper page first finds the hour
it starts in (the newest runs summed hour by hour, in SQL) and then skips only the runs of that
hour that come before it: the same rows, in the same order (`created_at DESC, id DESC`), as
`OFFSET` over the whole list, at the cost of one more small statement.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import Subquery
from tortoise.functions import Sum

from ezy.context import TenantContext
from ezy.listsql import SumOf, page_statement
from ezy.pagination import Page, PageRequest
from ezy.runs.models import SyncLog, SyncLogHour
from ezy.scoping import scoped

SEEK_FROM = 1_000
HOUR = 3600
ORDER = ("-created_at", "-id")

# The oldest hour whose newer hours hold no more than `offset` runs: the hour the page starts in.
_SEEK = """
SELECT "hour", "newer", "total" FROM (
    SELECT "hour",
        COALESCE(SUM("n") OVER (ORDER BY "hour" DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
            AS "newer",
        SUM("n") OVER () AS "total"
    FROM "sync_log_hours" WHERE "tenant_id" = {tenant}
) AS "hours" WHERE "newer" <= {offset} ORDER BY "hour" LIMIT 1"""


def _total(ctx: TenantContext) -> Subquery:
    return Subquery(scoped(SyncLogHour, ctx).annotate(hours_total=Sum("n")).values("hours_total"))


async def _count(ctx: TenantContext) -> int:
    rows = await scoped(SyncLogHour, ctx).annotate(hours_total=Sum("n")).values("hours_total")
    return int(rows[0]["hours_total"] or 0) if rows else 0


async def _seek(ctx: TenantContext, offset: int) -> tuple[datetime, int, int] | None:
    """(end of the page's first hour, runs in newer hours, the total), or None without runs."""
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    sql = _SEEK.format(tenant="$1" if postgres else "?", offset="$2" if postgres else "?")
    rows = await conn.execute_query_dict(sql, [str(ctx.tenant_id), offset])
    if not rows:
        return None
    row: dict[str, Any] = rows[0]
    end = datetime.fromtimestamp((int(row["hour"]) + 1) * HOUR, UTC)
    return end, int(row["newer"]), int(row["total"])


async def all_logs(ctx: TenantContext, request: PageRequest) -> Page[SyncLog]:
    """The tenant's sync logs, newest first: the page `paginate` would answer, with the same total."""
    query = scoped(SyncLog, ctx)
    if request.offset < SEEK_FROM:
        statement = page_statement(query, ORDER[0], SumOf(SyncLogHour._meta.db_table, "n"))
        if statement is not None:
            items, total = await statement.rows(request.page_size, request.offset)
        else:
            paged = query.annotate(page_total=_total(ctx)).order_by(*ORDER).offset(request.offset)
            items = list(await paged.limit(request.page_size))
            total = items[0].page_total if items else None
        if items:
            total = int(total or 0)
        else:
            total = 0 if request.offset == 0 else await _count(ctx)
        return Page(items, request.page, request.page_size, total)
    seek = await _seek(ctx, request.offset)
    if seek is None:
        return Page([], request.page, request.page_size, 0)
    end, newer, total = seek
    if request.offset >= total:
        return Page([], request.page, request.page_size, total)
    rest = query.filter(created_at__lt=end)
    deep = page_statement(rest, ORDER[0], total=None)
    if deep is not None:
        items, _ = await deep.rows(request.page_size, request.offset - newer)
    else:
        items = list(await rest.order_by(*ORDER).offset(request.offset - newer).limit(request.page_size))
    return Page(items, request.page, request.page_size, total)
