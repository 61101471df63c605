"""Page requests and pages: the one shape every list answers with."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from ezy.errors import InvalidRequest
from ezy.listsql import page_statement

T = TypeVar("T")
U = TypeVar("U")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far past any real list, and small enough that the offset fits every database's integer.
MAX_PAGE = 1_000_000
_DIGITS = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if not 1 <= self.page <= MAX_PAGE:
            raise InvalidRequest(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PageRequest:
        return cls(
            page=_int_param(params, "page", 1),
            page_size=_int_param(params, "pageSize", DEFAULT_PAGE_SIZE),
        )


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    # ASCII digits only: int() would also take "+1", "1_0", other scripts' digits and huge numbers.
    if not _DIGITS.fullmatch(raw):
        raise InvalidRequest(f"{name} must be a positive integer of at most 9 digits")
    return int(raw)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page([fn(item) for item in self.items], self.page, self.page_size, self.total)

    def as_dict(self, fn: Callable[[T], Any]) -> dict[str, Any]:
        return {
            "items": [fn(item) for item in self.items],
            "page": self.page,
            "pageSize": self.page_size,
            "total": self.total,
        }


async def paginate(
    query: QuerySet[Any], request: PageRequest, *, order: str = "-created_at", columns: tuple[str, ...] = ()
) -> Page[Any]:
    """Newest first by default; `id` breaks ties so pages never repeat or skip a row.

    One statement: the page, with the total as a scalar subquery (PostgreSQL runs it once, on the
    same index a separate count would use). Only a page past the end, which has no row to carry
    the total, costs a second statement to count. `columns`: fetch only these (Tortoise's `only`).
    A plain filtered list (`ezy.listsql`) runs the same statement without building it again.
    """
    statement = None if columns else page_statement(query, order)
    if statement is not None:
        items, count = await statement.rows(request.page_size, request.offset)
        if not items:
            count = 0 if request.offset == 0 else await query.count()
        return Page(items, request.page, request.page_size, count)
    total = Subquery(query.annotate(page_total=Count("id")).values("page_total"))
    page = query.annotate(page_total=total).order_by(order, "-id").offset(request.offset)
    if columns:
        page = page.only(*columns, "page_total")
    items = list(await page.limit(request.page_size))
    if items:
        count = items[0].page_total
    else:
        count = 0 if request.offset == 0 else await query.count()
    return Page(items, request.page, request.page_size, count)
