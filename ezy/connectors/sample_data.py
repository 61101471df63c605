"""The sample connector's data: deterministic generated store records, standard library only
(a generator process imports this module alone, see `_sample_process`).

Record i of a resource depends only on (seed, i), so a page size, a resumed read or the
process that makes it never changes the data. `updated_at` grows with i (rendered in assorted
UTC offsets, as stores do), which makes it a working incremental cursor. The data is a little
messy on purpose (padded strings, empty strings, money as strings) so that normalize has
something to do.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

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


def reference_timestamp(i: int) -> str:
    """What `timestamp` gives, the way it was first written (tests hold `timestamp` to it)."""
    return (_BASES[i % len(_BASES)] + timedelta(seconds=i * STEP_SECONDS)).isoformat()


# `timestamp` writes the same text from whole seconds: the local midnight of BASE_TIME's day in
# each offset, seconds since it, and the offset's suffix (isoformat cost most of a record).
_MIDNIGHTS = [
    (base.replace(hour=0, minute=0, second=0), base.hour * 3600 + base.minute * 60) for base in _BASES
]
_SUFFIXES = [base.isoformat()[19:] for base in _BASES]
_TWO_DIGITS = [f"{n:02d}" for n in range(100)]


@functools.lru_cache(maxsize=1024)
def _day(offset: int, days: int) -> str:
    return (_MIDNIGHTS[offset][0] + timedelta(days=days)).date().isoformat()


def timestamp(i: int) -> str:
    offset = i % len(_BASES)
    days, seconds = divmod(_MIDNIGHTS[offset][1] + i * STEP_SECONDS, 86_400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    two = _TWO_DIGITS
    return f"{_day(offset, days)}T{two[hours]}:{two[minutes]}:{two[seconds]}{_SUFFIXES[offset]}"


# random.randint and random.choice cost ~1 us each in bookkeeping; these keep the
# generator fast enough for million-record benchmarks while staying seeded.
def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{_between(rng, low * 100, high * 100) / 100:.2f}"


# random.Random.seed(int) hands the int to the C generator's seed and clears gauss_next, which
# no generator here uses: calling the C seed directly makes the same draws.
_reseed: Callable[[random.Random, int], None] = random.Random.__mro__[1].seed  # type: ignore[attr-defined]

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
    updated = timestamp(i)
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
        "created_at": timestamp(i),
        "updated_at": timestamp(i),
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
        "created_at": timestamp(i),
        "updated_at": timestamp(i),
    }


GENERATORS: dict[str, Callable[[random.Random, int], dict[str, Any]]] = {
    "products": product,
    "orders": order,
    "customers": customer,
}


def generate(resource: str, seed: int, start: int, stop: int) -> list[dict[str, Any]]:
    """Records `start` to `stop` (excluded) of `resource`; KeyError for an unknown resource."""
    make = GENERATORS[resource]
    rng = random.Random()
    reseed = _reseed  # random.Random.seed's own work for an int, without its Python-level checks
    records = []
    for i in range(start, stop):
        reseed(rng, seed * 1_000_003 + i)  # per record, so data never depends on paging
        records.append(make(rng, i))
    return records
