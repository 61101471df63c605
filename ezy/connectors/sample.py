"""`sample`: deterministic generated store data as a source, a counting sink as a target.

Record i of a resource depends only on (seed, i), so a page size or a resumed read never
changes the data. `updated_at` grows with i (rendered in assorted UTC offsets, as stores do),
which makes it a working incremental cursor. The data is a little messy on purpose (padded
strings, empty strings, money as strings) so that normalize has something to do.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar, TypeVar

from pydantic import Field

from ezy.connectors.base import (
    WRITE_OK,
    ConnectionTestResult,
    ConnectorError,
    ConnectorKind,
    KindBase,
    KindSettings,
    Page,
    Resource,
    WriteMode,
    WriteResult,
)

T = TypeVar("T")
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
STEP_SECONDS = 37
_OFFSETS = [timezone(timedelta(hours=h, minutes=m)) for h, m in ((0, 0), (-5, 0), (2, 0), (5, 30), (-8, 0))]
_ADJECTIVES = [
    "Classic",
    "Organic",
    "Vintage",
    "Slim",
    "Heavy-Duty",
    "Eco",
    "Premium",
    "Everyday",
    "Mini",
    "Pro",
]
_NOUNS = ["T-Shirt", "Mug", "Backpack", "Sneaker", "Lamp", "Notebook", "Hoodie", "Bottle", "Wallet", "Cap"]
_VENDORS = ["Acme", "Globex", "Initech", "Umbrella", "Stark Goods", "Wayne Supply"]
_COLORS = ["Black", "White", "Red", "Blue", "Green", "Grey"]
_SIZES = ["XS", "S", "M", "L", "XL"]
_FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia"]
_LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Thompson"]
_CITIES = [("Berlin", "BE", "DE", "10115"), ("Austin", "TX", "US", "73301"), ("Lyon", "ARA", "FR", "69001")]


# BASE_TIME in each offset: adding to a fixed-offset time is the same as converting after adding.
_BASES = [BASE_TIME.astimezone(offset) for offset in _OFFSETS]


def _timestamp(i: int) -> str:
    return (_BASES[i % len(_BASES)] + timedelta(seconds=i * STEP_SECONDS)).isoformat()


def _index_after(cursor: str) -> int:
    """The first record index strictly after an `updated_at` cursor."""
    try:
        moment = datetime.fromisoformat(cursor.replace("Z", "+00:00"))
    except ValueError:
        raise ConnectorError(f"not an updated_at cursor: {cursor!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - BASE_TIME).total_seconds()
    return 0 if seconds < 0 else int(seconds // STEP_SECONDS) + 1


# random.randint and random.choice cost ~1 us each in bookkeeping; these keep the
# generator fast enough for million-record benchmarks while staying seeded.
def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{_between(rng, low * 100, high * 100) / 100:.2f}"


_WEIGHT_SPAN = 5.0 - 0.1  # rng.uniform(0.1, 5.0) is 0.1 + _WEIGHT_SPAN * rng.random()


def product(rng: random.Random, i: int) -> dict[str, Any]:
    # _pick, _between, _money and uniform inlined (the hot path of the benchmarks): the same
    # draws in the same order, so the data is what those helpers would make.
    draw = rng.random
    pid = 7_000_000_000 + i
    title = f"{_ADJECTIVES[int(draw() * 10)]} {_NOUNS[int(draw() * 10)]}"
    variants: list[dict[str, Any]] = []
    for j in range(1 + int(draw() * 4)):
        variants.append(
            {
                "id": pid * 10 + j,
                "product_id": pid,
                "title": f"{_COLORS[int(draw() * 6)]} / {_SIZES[j % 5]}",
                "sku": f"SKU-{i}-{j}",
                "price": f"{(500 + int(draw() * 19501)) / 100:.2f}",
                "compare_at_price": "" if draw() < 0.5 else f"{(20000 + int(draw() * 10001)) / 100:.2f}",
                "inventory_quantity": int(draw() * 501),
                "weight": round(0.1 + _WEIGHT_SPAN * draw(), 2),
            }
        )
    updated = _timestamp(i)
    return {
        "id": pid,
        "title": f"  {title} " if i % 7 == 0 else title,
        "body_html": "" if i % 5 == 0 else f"<p>{title} made by people who care.</p>",
        "vendor": _VENDORS[int(draw() * 6)],
        "product_type": _NOUNS[int(draw() * 10)],
        "handle": f"{title.lower().replace(' ', '-')}-{i}",
        "status": "active" if i % 10 < 8 else ("draft" if i % 10 == 8 else "archived"),
        "tags": f"{_COLORS[int(draw() * 6)]}, {_SIZES[int(draw() * 5)]}",
        "created_at": updated,
        "updated_at": updated,
        "variants": variants,
    }


def order(rng: random.Random, i: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for j in range(_between(rng, 1, 4)):
        p = _between(rng, 0, 9_999)
        items.append(
            {
                "id": 9_000_000_000 + i * 10 + j,
                "product_id": 7_000_000_000 + p,
                "variant_id": (7_000_000_000 + p) * 10,
                "title": f"{_pick(rng, _ADJECTIVES)} {_pick(rng, _NOUNS)}",
                "sku": f"SKU-{p}-0",
                "quantity": _between(rng, 1, 5),
                "price": _money(rng, 5, 200),
            }
        )
    total = sum(float(item["price"]) * item["quantity"] for item in items)
    first, last = _pick(rng, _FIRST), _pick(rng, _LAST)
    return {
        "id": 5_000_000_000 + i,
        "name": f"#{1001 + i}",
        "email": f"{first}.{last}{i}@example.com".lower(),
        "currency": "USD",
        "total_price": f"{total:.2f}",
        "financial_status": _pick(rng, ["paid", "pending", "refunded"]),
        "customer": {"id": 6_000_000_000 + _between(rng, 0, 9_999), "first_name": first, "last_name": last},
        "line_items": items,
        "created_at": _timestamp(i),
        "updated_at": _timestamp(i),
    }


def customer(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = _pick(rng, _FIRST), _pick(rng, _LAST)
    city, province, country, zip_code = _pick(rng, _CITIES)
    return {
        "id": 6_000_000_000 + i,
        "email": f"{first}.{last}{i}@example.com".lower(),
        "first_name": f" {first}" if i % 6 == 0 else first,
        "last_name": last,
        "phone": "" if i % 3 == 0 else f"+1555{i % 10_000_000:07d}",
        "state": "enabled" if i % 9 else "disabled",
        "orders_count": _between(rng, 0, 40),
        "total_spent": _money(rng, 0, 5000),
        "default_address": {"city": city, "province": province, "country": country, "zip": zip_code},
        "created_at": _timestamp(i),
        "updated_at": _timestamp(i),
    }


GENERATORS: dict[str, Callable[[random.Random, int], dict[str, Any]]] = {
    "products": product,
    "orders": order,
    "customers": customer,
}


class SampleConfig(KindSettings):
    """Deterministic generated store data; a counting sink as a target."""

    count: int = Field(1000, ge=0, le=100_000_000, description="Records per resource.")
    seed: int = Field(0, ge=-(2**63), le=2**63 - 1, description="The same seed gives the same records.")


class SampleConnector(KindBase):
    kind: ClassVar[ConnectorKind] = ConnectorKind.SAMPLE
    description: ClassVar[str] = "Deterministic generated store data; a counting sink as a target."
    config_model: ClassVar[type[KindSettings]] = SampleConfig

    def __init__(
        self, config: Mapping[str, Any] | None = None, secrets: Mapping[str, Any] | None = None
    ) -> None:
        config = config or {}
        self.count = int(config.get("count", 1000))
        self.seed = int(config.get("seed", 0))
        self.written = 0  # as a sink: records accepted so far
        self.batches = 0

    async def test(self) -> ConnectionTestResult:
        return ConnectionTestResult(ok=True, latency_ms=0.0, detail="sample data needs no connection")

    async def list_resources(self) -> list[Resource]:
        return [Resource(name, f"generated {name}") for name in GENERATORS]

    def generate(self, resource: str, start: int, stop: int) -> list[dict[str, Any]]:
        make = GENERATORS.get(resource)
        if make is None:
            raise ConnectorError(f"unknown sample resource {resource!r}; one of {', '.join(GENERATORS)}")
        rng = random.Random()
        records = []
        for i in range(start, min(stop, self.count)):
            rng.seed(self.seed * 1_000_003 + i)  # per record, so data never depends on paging
            records.append(make(rng, i))
        return records

    async def read(
        self,
        resource: str,
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        cursor_field: str | None = None,
        batch_size: int = 250,
    ) -> AsyncIterator[Page]:
        if cursor_field not in (None, "updated_at"):
            raise ConnectorError("sample data is incremental on updated_at only")
        start = _index_after(cursor) if cursor and cursor_field else 0
        wanted = dict(params or {})
        for first in range(start, self.count, batch_size):
            # In a worker thread: a run reading ahead gets the next page made while it waits
            # on its target (the GIL is free then), and the event loop stays responsive.
            records = await asyncio.to_thread(self.generate, resource, first, first + batch_size)
            if wanted:
                records = [r for r in records if all(r.get(k) == v for k, v in wanted.items())]
            last = min(first + batch_size, self.count) - 1
            yield Page(records, _timestamp(last) if cursor_field else None)

    async def write(
        self,
        resource: str,
        records: Sequence[Mapping[str, Any]],
        *,
        mode: WriteMode = "upsert",
        keys: Sequence[str] = (),
        create_table: bool = False,
    ) -> list[WriteResult]:
        self.written += len(records)
        self.batches += 1
        return [WRITE_OK] * len(records)

    async def close(self) -> None:
        return None
