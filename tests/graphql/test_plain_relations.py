"""A relation field answered by the executor's short way answers exactly what its resolver answers.

`PlainFieldsExecutor` answers a field marked with `relation_field` itself when the page's prefetch
already loaded the row; otherwise the resolver runs as usual. A small schema is run by strawberry's
stock executor and by `PlainFieldsExecutor`, with and without a prefetch: the same data and the
same errors (message, path) for loaded rows, rows loaded later, missing rows, a conversion that
fails and a converted object holding a null where null is not allowed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry

from schema.execution import PlainFieldsExecutor
from schema.loaders import ByIdLoader, Relation, relation_field


@strawberry.type
class Profile:
    name: str
    kind: str | None


class Row:
    def __init__(self, id: uuid.UUID, name: Any, kind: Any = "http") -> None:
        self.id, self.name, self.kind = id, name, kind


class Item:
    def __init__(self, name: str, profile_id: uuid.UUID) -> None:
        self.name, self.profile_id = name, profile_id


IDS = [uuid.UUID(int=i) for i in range(4)]
MISSING = uuid.UUID(int=99)
ROWS = {
    IDS[0]: Row(IDS[0], "zero"),
    IDS[1]: Row(IDS[1], "one", kind=None),
    IDS[2]: Row(IDS[2], None),  # null where null is not allowed, once converted
    IDS[3]: Row(IDS[3], "boom"),  # its conversion raises
}


def _profile_of(row: Row) -> Profile:
    if row.name == "boom":
        raise ValueError("cannot convert")
    return Profile(name=row.name, kind=row.kind)


PROFILE = Relation(lambda loaders: loaders.profile, "profile_id", _profile_of)
RESOLVED: list[str] = []  # the items whose resolver ran


@strawberry.type
class Thing:
    name: str

    @strawberry.field
    @relation_field(PROFILE)
    def profile(self, info: strawberry.Info) -> Profile:
        RESOLVED.append(self.name)
        return PROFILE.resolve(self, info.context)  # type: ignore[no-any-return]


@strawberry.type
class Wrapper:
    """A plain object holding an item: its relation field may still need a load."""

    thing: Thing


CASES: dict[str, list[uuid.UUID]] = {
    "ordinary": [IDS[0], IDS[1], IDS[0]],
    "null inside": [IDS[0], IDS[2]],
    "conversion fails": [IDS[3], IDS[1]],
    "missing row": [IDS[0], MISSING],
}


async def _things(info: strawberry.Info, case: str, prefetch: bool) -> list[Item]:
    items = [Item(f"t{i}", id_) for i, id_ in enumerate(CASES[case])]
    if prefetch:
        await info.context.loaders.profile.prefetch(item.profile_id for item in items)
    return items


@strawberry.type
class Query:
    @strawberry.field
    async def things(self, info: strawberry.Info, case: str, prefetch: bool) -> list[Thing]:
        return await _things(info, case, prefetch)  # type: ignore[return-value]

    @strawberry.field
    async def wrapped(self, info: strawberry.Info, case: str, prefetch: bool) -> list[Wrapper]:
        return [Wrapper(thing=thing) for thing in await _things(info, case, prefetch)]  # type: ignore[arg-type]


def _context() -> SimpleNamespace:
    async def load(ids: Sequence[uuid.UUID]) -> list[Row | None]:
        return [ROWS.get(id_) for id_ in ids]

    return SimpleNamespace(loaders=SimpleNamespace(profile=ByIdLoader(load)))


QUERY = """
query Q($case: String!, $prefetch: Boolean!) {
  things(case: $case, prefetch: $prefetch) { name profile { name kind } again: profile { name } }
}
"""
WRAPPED = """
query W($case: String!, $prefetch: Boolean!) {
  wrapped(case: $case, prefetch: $prefetch) { thing { name profile { name } } }
}
"""

stock = strawberry.Schema(query=Query)
plain = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecutor)


def _answer(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("query", [QUERY, WRAPPED], ids=["items", "inside a plain object"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("prefetch", [True, False])
async def test_relation_fields_answer_as_their_resolvers(query: str, case: str, prefetch: bool) -> None:
    variables = {"case": case, "prefetch": prefetch}
    expected = _answer(await stock.execute(query, variable_values=variables, context_value=_context()))
    answered = await plain.execute(query, variable_values=variables, context_value=_context())
    assert _answer(answered) == expected
    if case == "ordinary":
        assert expected[1] == [] and expected[0]


async def test_a_loaded_relation_is_answered_by_the_short_way() -> None:
    variables = {"case": "ordinary", "prefetch": True}
    RESOLVED.clear()
    result = await plain.execute(QUERY, variable_values=variables, context_value=_context())
    assert RESOLVED == []
    assert result.errors is None
    assert result.data == {
        "things": [
            {"name": "t0", "profile": {"name": "zero", "kind": "http"}, "again": {"name": "zero"}},
            {"name": "t1", "profile": {"name": "one", "kind": None}, "again": {"name": "one"}},
            {"name": "t2", "profile": {"name": "zero", "kind": "http"}, "again": {"name": "zero"}},
        ]
    }
