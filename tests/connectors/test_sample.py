from __future__ import annotations

from typing import Any

from ezy.connectors.registry import open_connector
from ezy.connectors.sample import SampleConnector


async def read_all(connector: SampleConnector, resource: str, **kwargs: Any) -> list[Any]:
    return [r async for page in connector.read(resource, **kwargs) for r in page.records]


async def test_same_seed_gives_the_same_data_whatever_the_page_size() -> None:
    a = await read_all(SampleConnector({"count": 30, "seed": 3}), "products", batch_size=7)
    b = await read_all(SampleConnector({"count": 30, "seed": 3}), "products", batch_size=30)
    c = await read_all(SampleConnector({"count": 30, "seed": 4}), "products", batch_size=30)
    assert a == b
    assert a != c


async def test_products_look_like_a_store() -> None:
    (product,) = await read_all(SampleConnector({"count": 1}), "products")
    assert isinstance(product["id"], int)
    variant = product["variants"][0]
    assert variant["price"].count(".") == 1 and float(variant["price"]) > 0
    assert product["updated_at"][-6] in "+-"


async def test_incremental_read_resumes_right_after_the_cursor() -> None:
    sample = SampleConnector({"count": 10, "seed": 1})
    pages = [p async for p in sample.read("orders", cursor_field="updated_at", batch_size=4)]
    assert [len(p.records) for p in pages] == [4, 4, 2]
    rest = await read_all(sample, "orders", cursor=pages[0].cursor, cursor_field="updated_at", batch_size=100)
    assert [r["id"] for r in rest] == [r["id"] for p in pages[1:] for r in p.records]


async def test_sink_counts_what_it_is_given() -> None:
    sink = open_connector("sample", {}, {})
    results = await sink.write("anything", [{"a": 1}, {"a": 2}])
    assert [r.ok for r in results] == [True, True]
    assert isinstance(sink, SampleConnector) and sink.written == 2
