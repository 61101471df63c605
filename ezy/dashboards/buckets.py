"""Time buckets cut by the database: a bucket's start from a timestamp (per dialect), whole hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pypika_tortoise.enums import Dialects
from pypika_tortoise.functions import Count as SqlCount
from pypika_tortoise.terms import Function as SqlFunction
from pypika_tortoise.terms import Star, Term
from tortoise.expressions import Function
from tortoise.functions import Count

from ezy.timefmt import parse_rfc3339

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
HOURS_PER_BUCKET = {"hour": 1, "day": 24}  # UTC days start on a whole hour since the epoch

# The start of a run's bucket: RFC 3339 text on SQLite, a UTC timestamp on PostgreSQL (fixed
# strings: nothing from the caller).
_SQLITE_FORMATS = {"hour": "%Y-%m-%dT%H:00:00Z", "day": "%Y-%m-%dT00:00:00Z"}


class _BucketSql(SqlFunction):
    def __init__(self, column: Term, bucket: str) -> None:
        super().__init__("bucket_start", column)
        self.bucket = bucket

    def get_function_sql(self, ctx: Any) -> str:
        column = self.get_arg_sql(self.args[0], ctx)
        if ctx.dialect == Dialects.POSTGRESQL:
            return f"date_trunc('{self.bucket}', {column} AT TIME ZONE 'UTC')"
        return f"strftime('{_SQLITE_FORMATS[self.bucket]}', {column})"


class BucketStart(Function):
    """`BucketStart("created_at", "hour")`: the bucket's start, computed by the database."""

    def __init__(self, field: str, bucket: str) -> None:
        super().__init__(field)
        self.bucket = bucket

    def _get_function_field(self, field: Term | str, *default_values: Any) -> _BucketSql:
        assert isinstance(field, Term)
        return _BucketSql(field, self.bucket)


class CountRows(Count):
    """`COUNT(*)`: answered from an index that does not hold the primary key, as `COUNT("id")` is not."""

    def _get_function_field(self, field: Term | str, *default_values: Any) -> SqlCount:
        return SqlCount(Star())


def bucket_moment(value: object) -> datetime:
    """A bucket's start as the database answers it: a naive UTC timestamp, or RFC 3339 text."""
    return aware(value) if isinstance(value, datetime) else parse_rfc3339(str(value))


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def whole_hours(start: datetime, end: datetime) -> tuple[int, int]:
    """The hours `[first, last)` (since the epoch) that lie wholly inside `[start, end)`."""
    first = -((EPOCH - start) // HOUR)  # rounded up
    return first, (end - EPOCH) // HOUR


class _HoursSql(SqlFunction):
    def __init__(self, column: Term, hours: int) -> None:
        super().__init__("hours_bucket", column)
        self.hours = hours

    def get_function_sql(self, ctx: Any) -> str:
        return f"({self.get_arg_sql(self.args[0], ctx)} / {int(self.hours)})"  # integer division


class HoursBucket(Function):
    """`HoursBucket("hour", 24)`: an hour number's bucket of that many hours (integers both)."""

    def __init__(self, field: str, hours: int) -> None:
        super().__init__(field)
        self.hours = hours

    def _get_function_field(self, field: Term | str, *default_values: Any) -> _HoursSql:
        assert isinstance(field, Term)
        return _HoursSql(field, self.hours)
