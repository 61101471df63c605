"""Transform-stage throughput: compiled mapping against jsonata-python, same records, same run.

    python -m bench.transform [--records 20000] [--repeat 3]

The 8-field product mapping over varied sample products, through `TransformStage.run` (key,
fields, defaults, failures: the stage as a run uses it). The compiled side is the stage as
built for a run; the interpreter side is the same stage with every field evaluated by the
jsonata-python wrapper. Passes alternate between the two so both see the same machine load;
prints records/s by wall clock and by CPU time (median and range) and the ratios of the
medians. The records are generated before the clock starts.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import Any

from ezy.connectors.sample import SampleConnector
from ezy.expressions._jsonata import JsonataExpression
from ezy.pipeline.mapping import TransformSection
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
    stage._all_fields = lambda record: None  # no whole-mapping function: field by field
    return stage


def measure(stage: TransformStage, records: list[dict[str, Any]]) -> tuple[float, float]:
    """One pass: records/s by the wall clock and by this process's CPU time."""
    entries = [Entry(record) for record in records]
    wall, cpu = time.perf_counter(), time.process_time()
    result = stage.run(entries)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if result.failures or len(result.ok) != len(records):
        raise SystemExit(f"unexpected failures: {result.failures[:3]}")
    return len(records) / wall, len(records) / cpu


def _rates(rates: list[tuple[float, float]]) -> str:
    wall = [rate for rate, _ in rates]
    cpu = [rate for _, rate in rates]
    return (
        f"{statistics.median(wall):>9,.0f} rec/s median ({min(wall):,.0f}-{max(wall):,.0f}), "
        f"CPU time {statistics.median(cpu):>9,.0f} ({min(cpu):,.0f}-{max(cpu):,.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    records = SampleConnector({"count": args.records}).generate("products", 0, args.records)
    # A run streams pages of ~1,000 records; holding all 20,000 at once would make every full
    # garbage collection walk them, a cost no run has. Frozen, they are left out of it.
    gc.collect()
    gc.freeze()
    section = TransformSection(key="$string(id)", fields=FIELDS)
    compiled = TransformStage(section)
    baseline = interpreted(section)
    kinds = sorted({expression.compiled for _, expression in compiled.fields or ()})
    assert [e.record for e in compiled.run([Entry(r) for r in records[:500]]).ok] == [
        e.record for e in baseline.run([Entry(r) for r in records[:500]]).ok
    ], "the two stages disagree"
    fast: list[tuple[float, float]] = []
    slow: list[tuple[float, float]] = []
    for _ in range(args.repeat):  # interleaved, so both sides see the same machine load
        fast.append(measure(compiled, records))
        slow.append(measure(baseline, records))
    print(f"transform, 8 fields, {args.records:,} sample products, {args.repeat} passes each")
    print(f"  compiled ({', '.join(kinds)}): {_rates(fast)}")
    print(f"  jsonata-python:          {_rates(slow)}")
    wall = statistics.median(r for r, _ in fast) / statistics.median(r for r, _ in slow)
    cpu = statistics.median(r for _, r in fast) / statistics.median(r for _, r in slow)
    print(f"  ratio (medians): {wall:.1f}x wall clock, {cpu:.1f}x CPU time")


if __name__ == "__main__":
    main()
