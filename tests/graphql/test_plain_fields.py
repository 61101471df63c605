"""The executor's short way for plain fields answers exactly what graphql-core answers, errors included.

A small schema is run by strawberry's stock executor and by `PlainFieldsExecutor`: the same data
and the same errors (message, path) for ordinary values, nulls where null is not allowed, values a
scalar refuses, awaitables, nested plain objects, and resolver fields beside plain ones.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry

from schema.execution import PlainFieldsExecutor


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Counts:
    total: int
    note: str | None


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    size: int
    colour: Colour
    maybe: str | None
    counts: Counts
    loose: Counts | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return self.size * 2


class Bad:
    """An item as a buggy resolver could hand it over (what the plain path must not hide)."""

    def __init__(self, **members: Any) -> None:
        self.__dict__.update(members)


def _counts(total: Any = 3, note: Any = None) -> Bad:
    return Bad(total=total, note=note)


def _item(i: int, **overrides: Any) -> Bad:
    members = {
        "id": f"i{i}",
        "name": f"item {i}",
        "size": i,
        "colour": Colour.RED if i % 2 else Colour.BLUE,
        "maybe": None if i % 2 else "here",
        "counts": _counts(),
        "loose": None if i % 3 else _counts(note="n"),
    }
    return Bad(**(members | overrides))


async def _awaitable_size() -> int:
    return 7


ITEMS: dict[str, list[Any]] = {
    "ordinary": [_item(i) for i in range(5)],
    "null name": [_item(0), _item(1, name=None)],
    "null nullable": [_item(1, maybe=None)],
    "refused int": [_item(0, size="many")],
    "refused enum": [_item(0, colour="green")],
    "null in nested": [_item(0, counts=_counts(total=None))],
    "null in nullable nested": [_item(0, loose=_counts(total=None))],
    "nested null": [_item(0, counts=None)],
    "missing member": [Bad(id="x", name="n")],
    "exception value": [_item(0, name=ValueError("boom"))],
}


async def _later_item(i: int) -> Any:
    await asyncio.sleep(0)
    return _item(i)


async def _failing_item() -> Any:
    raise ValueError("no item")


# Lists whose items are not all ordinary objects (made afresh for each run: coroutines run once).
LISTS: dict[str, Any] = {
    "null item": lambda: [_item(0), None, _item(2)],
    "exception item": lambda: [_item(0), ValueError("bad item"), _item(2)],
    "awaitable items": lambda: [_item(0), _later_item(1), _later_item(2)],
    "failing awaitable item": lambda: [_item(0), _failing_item(), _item(2)],
    "bad member in one item": lambda: [_item(0), _item(1, size="many"), _item(2)],
    "a tuple": lambda: (_item(0), _item(1)),
    "a generator": lambda: (_item(i) for i in range(3)),
    "empty": lambda: [],
}


@strawberry.type
class Query:
    @strawberry.field
    def items(self, case: str) -> list[Item]:
        return ITEMS[case] if case in ITEMS else LISTS[case]()  # type: ignore[no-any-return]

    @strawberry.field
    def maybe_items(self, case: str) -> list[Item | None]:
        return LISTS[case]()  # type: ignore[no-any-return]

    @strawberry.field
    def maybe_list(self, case: str) -> list[Item] | None:
        return LISTS[case]()  # type: ignore[no-any-return]

    @strawberry.field
    def awaitable_member(self) -> Item:
        loop_safe = _item(0)
        loop_safe.size = _awaitable_size()
        return loop_safe  # type: ignore[return-value]


QUERY = """
query Q($case: String!, $withShout: Boolean!) {
  items(case: $case) {
    __typename id name size colour maybe
    alias: name
    counts { total note }
    loose { total note }
    ... on Item { shout @include(if: $withShout) later }
    ...More
  }
}
fragment More on Item { size counts { total } }
"""

stock = strawberry.Schema(query=Query)
plain = strawberry.Schema(query=Query, execution_context_class=PlainFieldsExecutor)


def _answer(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize("case", list(ITEMS))
@pytest.mark.parametrize("with_shout", [True, False])
async def test_plain_fields_answer_as_graphql_core(case: str, with_shout: bool) -> None:
    variables = {"case": case, "withShout": with_shout}
    expected = _answer(await stock.execute(QUERY, variable_values=variables))
    assert _answer(await plain.execute(QUERY, variable_values=variables)) == expected


# One list field per query: a null in a non-null list would null the others' answers too.
LIST_QUERIES = {
    "non-null items": "query L($case: String!) { items(case: $case) { id name size counts { total } } }",
    "nullable items": "query L($case: String!) { maybeItems(case: $case) { id ... on Item { colour } } }",
    "nullable list": "query L($case: String!) { maybeList(case: $case) { name loose { total } } }",
}


@pytest.mark.parametrize("case", list(LISTS))
@pytest.mark.parametrize("query", list(LIST_QUERIES))
async def test_lists_of_objects_complete_as_graphql_core_does(case: str, query: str) -> None:
    document, variables = LIST_QUERIES[query], {"case": case}
    expected = _answer(await stock.execute(document, variable_values=variables))
    assert _answer(await plain.execute(document, variable_values=variables)) == expected


async def test_an_awaitable_member_is_awaited_as_graphql_core_does() -> None:
    query = "{ awaitableMember { name size counts { total } } }"
    expected = _answer(await stock.execute(query))
    assert expected[0] == {"awaitableMember": {"name": "item 0", "size": 7, "counts": {"total": 3}}}
    assert _answer(await plain.execute(query)) == expected
