"""The cost of `ezy.jsonsafe.loads` beside `json.loads` on webhook-sized bodies (no services needed).

    python -m bench.jsonparse [--rounds 20000]

Prints the median time per parse of each body and the ratio to `json.loads` measured in the same run:
a 1 KB Shopify-like product (the common case: no walk), the same body written by an encoder that
escapes every non-ASCII character (a surrogate-pair escape forces the walk), and a 32 KB array of
records (more brackets than MAX_DEPTH: the walk runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from ezy import jsonsafe


def _product(i: int) -> dict[str, Any]:
    return {
        "id": 788032119674292900 + i,
        "title": "Example T-Shirt",
        "body_html": "<p>A soft cotton shirt in two sizes, shipped the next working day.</p>",
        "vendor": "Acme",
        "product_type": "Shirts",
        "handle": "example-t-shirt",
        "tags": "cotton, summer",
        "status": "active",
        "variants": [
            {"id": 642667041472713900 + v, "sku": f"SHIRT-{v}", "price": "19.99", "inventory_quantity": 75}
            for v in range(4)
        ],
        "options": [{"name": "Size", "values": ["S", "M"]}],
        "updated_at": "2026-11-28T12:00:00-05:00",
    }


def _time(parse: Callable[[bytes], Any], body: bytes, rounds: int) -> float:
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            parse(body)
        samples.append((time.perf_counter() - started) / rounds)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20000)
    rounds = parser.parse_args().rounds
    product = _product(0)
    product["title"] = "T-Shirt 😀 für Sommer"
    bodies = {
        "1 KB object": json.dumps(product, ensure_ascii=False).encode(),
        "1 KB, ASCII-escaped": json.dumps(product).encode(),
        "32 KB array": json.dumps([_product(i) for i in range(32)], ensure_ascii=False).encode(),
    }
    for name, body in bodies.items():
        plain = _time(json.loads, body, rounds)
        safe = _time(jsonsafe.loads, body, rounds)
        print(
            f"{name:22} {len(body):6} B  json.loads {plain * 1e6:7.1f} us  "
            f"jsonsafe.loads {safe * 1e6:7.1f} us  ratio {safe / plain:4.2f}"
        )


if __name__ == "__main__":
    main()
