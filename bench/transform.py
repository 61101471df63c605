"""Transform-stage throughput: compiled mapping against jsonata-python, same records, same run.

    python -m bench.transform [--records 20000] [--repeat 5]

The 8-field product mapping over varied sample products, through `TransformStage.run` (key,
fields, defaults, failures: the stage as a run uses it). The compiled side is the stage as
built for a run; the interpreter side is the same stage with every field evaluated by the
jsonata-python wrapper. Prints records/s for each (best and median of the repeats) and the
ratio of the medians. The records are generated before the clock starts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from ezy.connectors.sample import SampleConnector
from ezy.expressions._jsonata import JsonataExpression
from ezy.mappings.document import TransformSection
from ezy.pipeline.records import Entry
from ezy.pipeline.transform import TransformStage

FIELDS = {
    "externalId": "$string(id)",
    "sku": "variants[0].sku",
    "title": "$trim(title)",
    "price": "$number(variants[0].price)",
    "vendor": "vendor",
    "status": "status",
    "tags": "$split(tags, ', ')",
    "qty": "variants[0].inventory_quantity",
}


def interpreted(section: TransformSection) -> TransformStage:
    """The same stage with jsonata-python behind every field (the baseline)."""
    stage = TransformStage(section)
    stage.fields = [(name, JsonataExpression(source)) for name, source in FIELDS.items()]
    stage._evaluators = [(name, expression.evaluate) for name, expression in stage.fields]
    stage._all_fields = None
    return stage


def measure(stage: TransformStage, records: list[dict[str, Any]], repeat: int) -> list[float]:
    rates = []
    for _ in range(repeat):
        entries = [Entry(record) for record in records]
        started = time.perf_counter()
        result = stage.run(entries)
        elapsed = time.perf_counter() - started
        if result.failures or len(result.ok) != len(records):
            raise SystemExit(f"unexpected failures: {result.failures[:3]}")
        rates.append(len(records) / elapsed)
    return rates


def _rates(rates: list[float]) -> str:
    return f"{max(rates):>10,.0f} rec/s best, {statistics.median(rates):>10,.0f} median"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    records = SampleConnector({"count": args.records}).generate("products", 0, args.records)
    section = TransformSection(key="$string(id)", fields=FIELDS)
    compiled = TransformStage(section)
    baseline = interpreted(section)
    kinds = sorted({expression.compiled for _, expression in compiled.fields or ()})
    assert [e.record for e in compiled.run([Entry(r) for r in records[:500]]).ok] == [
        e.record for e in baseline.run([Entry(r) for r in records[:500]]).ok
    ], "the two stages disagree"
    fast = measure(compiled, records, args.repeat)
    slow = measure(baseline, records, max(1, args.repeat // 2))
    print(f"transform, 8 fields, {args.records:,} sample products, {args.repeat} repeats")
    print(f"  compiled ({', '.join(kinds)}): {_rates(fast)}")
    print(f"  jsonata-python:            {_rates(slow)}")
    print(f"  ratio (medians): {statistics.median(fast) / statistics.median(slow):.1f}x")


if __name__ == "__main__":
    main()
