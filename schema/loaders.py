"""DataLoaders: relations of a listed page in one query each, batched by id within the caller's tenant.

Created per request (see `schema.context`), so the cache never outlives a request and never crosses
tenants. These are the only ORM reads in `schema/`; everything else goes through the services.

A list resolver may `prefetch` its page's relations: they then resolve at once (`now_or_later`), so
graphql-core completes the page synchronously instead of awaiting a task per item and relation.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField, Selection
from tortoise.functions import Count
from tortoise.models import Model

from ezy.connections.models import ConnectionProfile
from ezy.context import TenantContext
from ezy.instances.models import Instance
from ezy.listsql import all_rows
from ezy.mappings.models import MappingConfiguration
from ezy.schedules.models import Schedule
from ezy.scoping import scoped
from ezy.webhooks.models import WebhookEndpoint

M = TypeVar("M", bound=Model)
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class ByIdLoader(DataLoader[uuid.UUID, M | None], Generic[M]):
    def __init__(self, load_fn: Callable[[Sequence[uuid.UUID]], Awaitable[list[M | None]]]) -> None:
        super().__init__(load_fn=load_fn)
        # One GraphQL object per row and type, however many items of a page refer to it.
        self.converted: dict[tuple[uuid.UUID, Callable[[M], Any]], Any] = {}

    def loaded(self, key: uuid.UUID) -> M | None:
        """The row when an earlier batch already fetched it, else None (without scheduling a load)."""
        future = self.cache_map.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception():
            return None
        return future.result()

    async def prefetch(self, keys: Iterable[uuid.UUID]) -> None:
        """The rows of `keys` not cached yet, in one query, primed into the cache: as `load_many`,
        without a future, a callback and an event-loop turn per key (a page prefetches 20 to 40)."""
        missing = [key for key in set(keys) if self.cache_map.get(key) is None]
        if missing:
            rows = await self.load_fn(missing)
            # A key the load answered with an error is left to `load`, which raises it.
            pairs = zip(missing, rows, strict=True)
            self.prime_many({key: row for key, row in pairs if not isinstance(row, BaseException)})

    def now(self, key: uuid.UUID, convert: Callable[[M], T]) -> T | None:
        """`convert(row)` when the row is loaded already (one object per row and `convert`), else None."""
        value: T | None = self.converted.get((key, convert))
        if value is None:
            row = self.loaded(key)
            if row is None:
                return None
            self.converted[key, convert] = value = convert(row)
        return value


def _by_id(model: type[M], ctx: TenantContext) -> ByIdLoader[M]:
    async def load(ids: Sequence[uuid.UUID]) -> list[M | None]:
        rows = await all_rows(scoped(model, ctx).filter(id__in=list(set(ids))))
        found: dict[Any, M] = {row.pk: row for row in rows}
        return [found.get(id_) for id_ in ids]

    return ByIdLoader(load_fn=load)


def now_or_later(loader: ByIdLoader[M], key: uuid.UUID, convert: Callable[[M], T]) -> Any:
    """`convert(row)` itself when the row is loaded already; else an awaitable of it (a batched load).

    For a sync resolver (typed as returning T): graphql-core awaits what is awaitable.
    """
    value = loader.now(key, convert)
    return _later(loader.load(key), convert) if value is None else value


class Relation(NamedTuple, Generic[M, T]):
    """A field answering the row that `key` (an attribute of its item) refers to, through a loader.

    Its resolver is `resolve`; the executor's short way (`schema.execution`) asks `loaded` first,
    and answers the field itself when the page's prefetch already holds the row.
    """

    loader: Callable[[Loaders], ByIdLoader[M]]
    key: str
    convert: Callable[[M], T]

    def resolve(self, source: Any, context: Any) -> Any:
        return now_or_later(self.loader(context.loaders), getattr(source, self.key), self.convert)

    def loaded(self, source: Any, context: Any) -> T | None:
        return self.loader(context.loaders).now(getattr(source, self.key), self.convert)


RELATION_ATTRIBUTE = "__ezy_relation__"


def relation_field(relation: Relation[Any, Any]) -> Callable[[F], F]:
    """Marks a resolver (`relation.resolve` and nothing else) for the executor's short way."""

    def mark(resolver: F) -> F:
        setattr(resolver, RELATION_ATTRIBUTE, relation)
        return resolver

    return mark


def relation_of(resolver: Any) -> Relation[Any, Any] | None:
    found = getattr(resolver, RELATION_ATTRIBUTE, None)
    return found if isinstance(found, Relation) else None


async def _later(pending: Awaitable[M | None], convert: Callable[[M], T]) -> T:
    row = await pending
    assert row is not None, "a referenced row cannot be deleted"
    return convert(row)


def item_fields(selected: Iterable[Selection]) -> set[str]:
    """The field names selected under `items` of a page (through fragments), e.g. `info.selected_fields`."""
    return {f.name for page in _fields(selected) for s in _fields(page.selections) if s.name == "items"
            for f in _fields(s.selections)}  # fmt: skip


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)  # a fragment spread or an inline fragment


def _count_by_instance(model: type[Model], ctx: TenantContext) -> DataLoader[uuid.UUID, int]:
    async def load(ids: Sequence[uuid.UUID]) -> list[int]:
        rows = (
            await scoped(model, ctx)
            .filter(instance_id__in=list(set(ids)))
            .annotate(n=Count("id"))
            .group_by("instance_id")
            .values("instance_id", "n")
        )
        counts = {_as_uuid(row["instance_id"]): row["n"] for row in rows}
        return [counts.get(id_, 0) for id_ in ids]

    return DataLoader(load_fn=load)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class Loaders:
    """One loader per relation the schema resolves; keys are UUIDs."""

    def __init__(self, ctx: TenantContext) -> None:
        self.connection_profile = _by_id(ConnectionProfile, ctx)
        self.mapping = _by_id(MappingConfiguration, ctx)
        self.instance = _by_id(Instance, ctx)
        self.schedule_count = _count_by_instance(Schedule, ctx)
        self.webhook_endpoint_count = _count_by_instance(WebhookEndpoint, ctx)

    async def prefetch_instance_relations(self, instances: Sequence[Instance], fields: set[str]) -> None:
        """The profiles and mappings a page of instances shows, one batch each, before its items resolve."""
        loads: list[Awaitable[object]] = []
        if fields & {"sourceProfile", "targetProfile"}:
            ids = {i.source_profile_id for i in instances} | {i.target_profile_id for i in instances}
            loads.append(self.connection_profile.prefetch(ids))
        if "mapping" in fields:
            loads.append(self.mapping.prefetch({i.mapping_id for i in instances}))
        await asyncio.gather(*loads)
