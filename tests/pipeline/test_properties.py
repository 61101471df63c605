"""Properties that hold for any mapping and any records: counts add up, one failure per failed record."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ezy.pipeline import MemoryJournal, RunStats, Stage, preview, run_pipeline

from .fakes import MemorySource, MemoryTarget

FIELDS = {
    "a": "n",
    "b": "10 / n",  # division by zero when n = 0, type error when n is text
    "c": "$number(s)",  # fails for text that is not a number
    "d": "variants[0].price",
    "e": "$uppercase(s)",
    "f": "variants.price",
}
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", " 7 ", "abc", "1.5"]))
variants = st.lists(st.fixed_dictionaries({"price": st.one_of(scalars, st.just("19.99"))}), max_size=3)
shaped = st.fixed_dictionaries(
    {"n": scalars, "s": scalars, "flag": st.booleans()},
    optional={"variants": variants, "ts": st.sampled_from(["2026-01-01T10:00:00+02:00", "yesterday", None])},
)
# Records that pass every mapping (so load and validate see traffic), messy ones, non-objects.
clean = st.fixed_dictionaries({"n": st.integers(1, 3), "s": st.just(" 7 "), "flag": st.just(True)})
non_objects = st.one_of(scalars, st.lists(st.integers(), max_size=2))
records = st.tuples(
    st.lists(shaped, max_size=12), st.lists(clean, max_size=10), st.lists(non_objects, max_size=3)
).flatmap(lambda parts: st.permutations(parts[0] + parts[1] + parts[2]))


@st.composite
def mappings(draw: st.DrawFn) -> dict[str, Any]:
    fields = {"rid": "rid", **{k: FIELDS[k] for k in draw(st.sets(st.sampled_from(sorted(FIELDS))))}}
    transform: dict[str, Any] = {"key": "rid", "fields": fields}
    if draw(st.booleans()):
        transform["filter"] = draw(st.sampled_from(["flag", "n > 0", "$number(s) > 1"]))
    if draw(st.booleans()):
        transform["defaults"] = {"a": 0}
    validate: dict[str, Any] = {
        "required": draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=2))
    }
    if draw(st.booleans()):
        validate["schema"] = {
            "type": "object",
            "properties": {"a": {"type": ["integer", "null"], "maximum": 2}},
        }
    normalize = {
        "trimStrings": draw(st.booleans()),
        "emptyAsNull": draw(st.booleans()),
        "numbers": draw(st.sampled_from([[], ["s"], ["variants[*].price"]])),
        "timestamps": draw(st.sampled_from([[], ["ts"]])),
    }
    return {
        "version": 1,
        "extract": {"resource": "items", "batchSize": draw(st.integers(1, 6))},
        "normalize": normalize,
        "transform": transform,
        "validate": validate,
        "load": {"resource": "items", "keys": ["rid"], "batchSize": draw(st.integers(1, 6))},
    }


def numbered(raw: list[Any]) -> list[Any]:
    return [{**r, "rid": i} if isinstance(r, dict) else r for i, r in enumerate(raw)]


def rejects(record: Any) -> str | None:
    return "rejected by the target" if record["rid"] % 3 == 2 else None


def assert_counts_add_up(stats: RunStats) -> None:
    assert stats.total == stats.success + stats.failed + stats.skipped
    for stage, counts in stats.stages.items():
        if stage != Stage.EXTRACT:
            assert counts.in_ == counts.out + counts.failed + counts.skipped, stage
    assert stats.stages[Stage.LOAD].out == stats.success


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mappings(), raw=records)
def test_counts_and_failures_hold_for_any_mapping_and_records(doc: dict[str, Any], raw: list[Any]) -> None:
    inputs = numbered(raw)
    journal, target = MemoryJournal(), MemoryTarget(reject=rejects)
    stats = asyncio.run(run_pipeline(MemorySource(inputs), target, doc, journal))

    assert stats.total == len(inputs)
    assert_counts_add_up(stats)
    for report in journal.progress_reports:
        assert_counts_add_up(report)
    assert len(journal.failed) == stats.failed
    for failure in journal.failed:
        event(f"failed at {failure.stage}: {failure.code}")

    # Each failed record fails once, carrying its source record and, past transform, the mapped
    # record as it entered the failing stage (what a preview shows as the previous stage's output).
    expected = preview(doc, inputs)
    failed_rids = Counter(f.payload.get("rid") for f in journal.failed if isinstance(f.payload, dict))
    assert all(count == 1 for count in failed_rids.values())
    entered = {"normalize": "input", "transform": "normalize", "validate": "transform", "load": "validate"}
    for failure in journal.failed:
        if not isinstance(failure.payload, dict):
            assert failure.code == "not_an_object"
            continue
        result = expected[failure.payload["rid"]]
        stage = str(failure.stage)
        assert failure.payload == result["input"]
        mapped = result["stages"][entered[stage]] if stage in ("validate", "load") else None
        assert failure.mapped == mapped
        if stage != "load":
            assert result["stoppedAt"]["stage"] == stage and result["stoppedAt"]["code"] == failure.code
    assert {k[0] for k in target.rows} == {
        r["output"]["rid"] for r in expected if r["output"] and not rejects(r["output"])
    }
