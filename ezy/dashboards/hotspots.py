"""A tenant's error hot-spots over any range, from per-hour counts instead of a month of errors.

`entity_error_hours` (migration 4, kept by triggers in the writing transaction) holds how many
entity errors a tenant has per hour, stage and code. The hours that lie wholly inside `[start, end)`
are summed from it; the parts of an hour at either end (under an hour each) are counted from
`entity_errors` itself. A hot-spot's `lastSeenAt` is one seek per answered hot-spot on
`entity_errors (tenant_id, stage, code, created_at)`, all in one statement.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from ezy.context import TenantContext
from ezy.dashboards.buckets import EPOCH, HOUR, aware, whole_hours
from ezy.runs.models import EntityError, EntityErrorHour
from ezy.scoping import scoped

# `{i}`: the group's position (a number of ours); the rest are parameters.
_LAST_SEEN = (
    'SELECT {i} AS "i", MAX("created_at") AS "last_seen" FROM "entity_errors" WHERE "tenant_id" = {} '
    'AND "stage" = {} AND "code" = {} AND "created_at" >= {} AND "created_at" < {}'
)


async def counts(ctx: TenantContext, start: datetime, end: datetime) -> Counter[tuple[str, str]]:
    """Errors per (stage, code) recorded in `[start, end)`; exact, as a count over the rows is."""
    first, last = whole_hours(start, end)
    found: Counter[tuple[str, str]] = Counter()
    if first >= last:
        edges = Q(created_at__gte=start, created_at__lt=end)
    else:
        hours = (
            await scoped(EntityErrorHour, ctx)
            .filter(hour__gte=first, hour__lt=last)
            .annotate(total=Sum("n"))
            .group_by("stage", "code")
            .values("stage", "code", "total")
        )
        found.update({(row["stage"], row["code"]): int(row["total"] or 0) for row in hours})
        edges = Q(created_at__gte=start, created_at__lt=EPOCH + first * HOUR) | Q(
            created_at__gte=EPOCH + last * HOUR, created_at__lt=end
        )
    rows = (
        await scoped(EntityError, ctx)
        .filter(edges)
        .annotate(n=Count("id"))
        .group_by("stage", "code")
        .values("stage", "code", "n")
    )
    found.update({(row["stage"], row["code"]): int(row["n"]) for row in rows})
    return +found  # groups whose errors have all been deleted count no more


async def last_seen(
    ctx: TenantContext, groups: list[tuple[str, str]], start: datetime, end: datetime
) -> list[datetime]:
    """The newest error of each (stage, code) in `[start, end)`, in the order given (each has one)."""
    if not groups:
        return []
    conn = connections.get("default")
    field = EntityError._meta.fields_map["created_at"]
    bounds = [field.to_db_value(start, EntityError), field.to_db_value(end, EntityError)]
    if conn.capabilities.dialect == "postgres":
        numbers = iter(range(1, 5 * len(groups) + 1))
        parts = [_LAST_SEEN.format(*(f"${next(numbers)}" for _ in range(5)), i=i) for i in range(len(groups))]
    else:
        parts = [_LAST_SEEN.format(*"?????", i=i) for i in range(len(groups))]
    params: list[Any] = []
    for stage, code in groups:
        params += [str(ctx.tenant_id), stage, code, *bounds]
    rows = await conn.execute_query_dict(" UNION ALL ".join(parts), params)
    return [aware(_moment(row["last_seen"])) for row in sorted(rows, key=lambda row: int(row["i"]))]


def _moment(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
