"""Page requests and pages: the one shape every list answers with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.queryset import QuerySet

from ezy.errors import InvalidRequest

T = TypeVar("T")
U = TypeVar("U")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidRequest("page must be at least 1")
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
    try:
        return int(raw)
    except ValueError:
        raise InvalidRequest(f"{name} must be an integer") from None


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


async def paginate(query: QuerySet[Any], request: PageRequest, *, order: str = "-created_at") -> Page[Any]:
    """Newest first by default; `id` breaks ties so pages never repeat or skip a row.

    A page that is not full ends the list, so it tells the total itself: the count is only run for
    a full page, or an empty one past the first.
    """
    items = list(await query.order_by(order, "-id").offset(request.offset).limit(request.page_size))
    if len(items) < request.page_size and (items or request.offset == 0):
        total = request.offset + len(items)
    else:
        total = await query.count()
    return Page(items, request.page, request.page_size, total)
