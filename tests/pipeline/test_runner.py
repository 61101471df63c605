from __future__ import annotations

from typing import Any

import pytest

from ezy.pipeline import FailureCode, MemoryJournal, RetryPolicy, RunFailed, Stage, run_pipeline

from .fakes import MemorySource, MemoryTarget


def document(**sections: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 1,
        "extract": {"resource": "items", "batchSize": 2},
        "transform": {"key": "id", "fields": {"id": "id", "name": "name"}},
        "load": {"resource": "items", "keys": ["id"], "batchSize": 2},
    }
    doc.update(sections)
    return doc


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"item {i}"} for i in range(n)]


async def test_all_records_reach_the_target_and_counts_add_up() -> None:
    target, journal = MemoryTarget(), MemoryJournal()
    stats = await run_pipeline(MemorySource(items(5)), target, document(), journal)
    assert sorted(k[0] for k in target.rows) == [0, 1, 2, 3, 4]
    assert stats.counts() == {"total": 5, "success": 5, "failed": 0, "skipped": 0}
    assert journal.last_checkpoint == "5"


async def test_target_rejecting_some_rows_fails_only_those() -> None:
    target = MemoryTarget(reject=lambda r: "duplicate sku" if r["id"] in (1, 3) else None)
    journal = MemoryJournal()
    stats = await run_pipeline(MemorySource(items(5)), target, document(), journal)
    assert sorted(k[0] for k in target.rows) == [0, 2, 4]
    assert stats.counts() == {"total": 5, "success": 3, "failed": 2, "skipped": 0}
    assert [(f.key, f.stage, f.code, f.message) for f in journal.failed] == [
        ("1", Stage.LOAD, "load_rejected", "duplicate sku"),
        ("3", Stage.LOAD, "load_rejected", "duplicate sku"),
    ]
    assert journal.failed[0].payload == {"id": 1, "name": "item 1"}


async def test_target_down_retries_then_fails_the_run_without_checkpoint(fast_retry: RetryPolicy) -> None:
    target, journal = MemoryTarget(down_for=100), MemoryJournal()
    with pytest.raises(RunFailed, match="load failed after 3 attempts: connection refused") as failed:
        await run_pipeline(MemorySource(items(5)), target, document(), journal, retry=fast_retry)
    assert target.calls == 3
    assert journal.checkpoints == []
    assert failed.value.stats.success == 0


async def test_target_that_recovers_within_the_retries_loses_nothing(fast_retry: RetryPolicy) -> None:
    target, journal = MemoryTarget(down_for=2), MemoryJournal()
    stats = await run_pipeline(MemorySource(items(5)), target, document(), journal, retry=fast_retry)
    assert stats.success == 5 and len(target.rows) == 5


async def test_checkpoint_comes_only_after_its_batch_is_loaded() -> None:
    journal = MemoryJournal()
    seen_at_write: list[list[str]] = []
    target = MemoryTarget(on_write=lambda records: seen_at_write.append(list(journal.checkpoints)))
    await run_pipeline(MemorySource(items(6)), target, document(), journal)
    assert seen_at_write == [[], ["2"], ["2", "4"]]
    assert journal.checkpoints == ["2", "4", "6"]


async def test_failures_are_reported_in_bulk_once_per_batch() -> None:
    records = [{"id": i, "name": None if i % 2 else "x"} for i in range(4)]
    journal = MemoryJournal()
    doc = document(validate={"required": ["name"]}, extract={"resource": "items", "batchSize": 4})
    doc["load"]["batchSize"] = 4
    await run_pipeline(MemorySource(records), MemoryTarget(), doc, journal)
    assert journal.failure_calls == 1
    assert [(f.key, f.code) for f in journal.failed] == [("1", "required_missing"), ("3", "required_missing")]


@pytest.mark.parametrize(
    ("expression", "bad"),
    [
        pytest.param("100 / n", {"id": 1, "n": 0}, id="division-by-zero"),
        pytest.param("$number(n) * 2", {"id": 1, "n": "abc"}, id="number-of-text"),
        pytest.param("n + 1", {"id": 1, "n": "x"}, id="wrong-type"),
    ],
)
async def test_runtime_expression_error_fails_only_that_record(expression: str, bad: dict[str, Any]) -> None:
    records = [{"id": 0, "n": 4}, bad, {"id": 2, "n": 5}]
    doc = document(transform={"key": "id", "fields": {"id": "id", "v": expression}})
    journal, target = MemoryJournal(), MemoryTarget()
    stats = await run_pipeline(MemorySource(records), target, doc, journal)
    assert stats.counts() == {"total": 3, "success": 2, "failed": 1, "skipped": 0}
    (failure,) = journal.failed
    assert (failure.key, failure.stage, failure.code) == ("1", Stage.TRANSFORM, FailureCode.EXPRESSION_ERROR)
    assert failure.message.startswith("v: ")
    assert failure.details == {"pointer": "/transform/fields/v"}


async def test_filter_false_skips_and_counts_as_skipped() -> None:
    doc = document(transform={"key": "id", "filter": "id > 2", "fields": {"id": "id"}})
    target = MemoryTarget()
    stats = await run_pipeline(MemorySource(items(5)), target, doc, MemoryJournal())
    assert stats.counts() == {"total": 5, "success": 2, "failed": 0, "skipped": 3}
    assert stats.stages[Stage.TRANSFORM].skipped == 3


async def test_non_objects_fail_at_normalize_with_their_payload() -> None:
    journal = MemoryJournal()
    stats = await run_pipeline(
        MemorySource([{"id": 1}, [1, 2], "text", None]), MemoryTarget(), document(), journal
    )
    assert stats.counts() == {"total": 4, "success": 1, "failed": 3, "skipped": 0}
    assert [(f.payload, f.code) for f in journal.failed] == [
        ([1, 2], "not_an_object"),
        ("text", "not_an_object"),
        (None, "not_an_object"),
    ]


async def test_deeply_nested_record_fails_alone() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    records = [{"id": 1, "name": "ok"}, {"id": 2, "name": "deep", "tree": deep}, {"id": 3, "name": "ok"}]
    doc = document(normalize={"trimStrings": True}, transform={"key": "id"})
    journal = MemoryJournal()
    stats = await run_pipeline(MemorySource(records), MemoryTarget(), doc, journal)
    assert stats.counts() == {"total": 3, "success": 2, "failed": 1, "skipped": 0}
    assert (journal.failed[0].key, journal.failed[0].code) == ("2", "normalize_error")


async def test_extract_page_failure_is_retried_from_the_last_cursor(fast_retry: RetryPolicy) -> None:
    source = MemorySource(items(6), fail_pages={2: 1})
    target = MemoryTarget()
    stats = await run_pipeline(source, target, document(), MemoryJournal(), retry=fast_retry)
    assert stats.counts()["success"] == 6 and len(target.rows) == 6
    assert source.reads == [None, "2"]


async def test_extract_page_failing_every_retry_fails_the_run(fast_retry: RetryPolicy) -> None:
    source, journal = MemorySource(items(6), fail_pages={4: 99}), MemoryJournal()
    with pytest.raises(RunFailed, match="extract failed after 3 attempts"):
        await run_pipeline(source, MemoryTarget(), document(), journal, retry=fast_retry)
    assert journal.checkpoints == ["2", "4"]


async def test_pushed_records_skip_extract_and_carry_no_cursor() -> None:
    journal, target = MemoryJournal(), MemoryTarget()
    stats = await run_pipeline(None, target, document(), journal, records=items(3))
    assert stats.success == 3 and journal.checkpoints == []


async def test_a_failure_carries_the_source_record_and_past_transform_the_mapped_one() -> None:
    doc = document(
        normalize={"trimStrings": True},
        transform={"key": "id", "fields": {"id": "id", "name": "name", "v": "10 / n"}},
        validate={"required": ["name"]},
    )
    records = [{"id": 1, "name": " a ", "n": 0}, {"id": 2, "name": None, "n": 1}]
    target = MemoryTarget(reject=lambda r: "no" if r["id"] == 3 else None)
    journal = MemoryJournal()
    await run_pipeline(None, target, doc, journal, records=[*records, {"id": 3, "name": " c ", "n": 2}])
    by_stage = {f.stage: (f.payload, f.mapped) for f in journal.failed}
    assert by_stage == {
        Stage.TRANSFORM: ({"id": 1, "name": " a ", "n": 0}, None),
        Stage.VALIDATE: ({"id": 2, "name": None, "n": 1}, {"id": 2, "name": None, "v": 10}),
        Stage.LOAD: ({"id": 3, "name": " c ", "n": 2}, {"id": 3, "name": "c", "v": 5}),
    }


async def test_replayed_records_enter_at_normalize_and_are_mapped_again() -> None:
    doc = document(validate={"required": ["name"]})
    journal, target = MemoryJournal(), MemoryTarget()
    stats = await run_pipeline(
        None, target, doc, journal, records=[{"id": 9, "name": "fixed", "x": 1}], start_stage="normalize"
    )
    assert stats.counts() == {"total": 1, "success": 1, "failed": 0, "skipped": 0}
    assert stats.stages[Stage.EXTRACT].in_ == 0 and stats.stages[Stage.NORMALIZE].in_ == 1
    assert list(target.rows.values()) == [{"id": 9, "name": "fixed"}]
    with pytest.raises(ValueError, match="extract or normalize"):
        await run_pipeline(None, target, doc, journal, records=[{"id": 9}], start_stage="validate")


async def test_progress_is_reported_while_the_run_goes() -> None:
    journal = MemoryJournal()
    await run_pipeline(MemorySource(items(6)), MemoryTarget(), document(), journal)
    assert [p.success for p in journal.progress_reports] == [2, 4, 6, 6]


async def test_failures_carry_the_ref_given_with_their_record() -> None:
    doc = document(validate={"required": ["name"]})
    records = [{"id": 1, "name": "ok"}, {"id": 2, "name": None}, "not an object"]
    journal = MemoryJournal()
    await run_pipeline(None, MemoryTarget(), doc, journal, records=records, refs=["m1", "m2", "m3"])
    assert sorted((f.ref, f.code) for f in journal.failed) == [
        ("m2", "required_missing"),
        ("m3", "not_an_object"),
    ]


async def test_records_that_pass_come_back_by_ref_batch_by_batch() -> None:
    doc = document(
        transform={"key": "id", "filter": "id != 4", "fields": {"id": "id", "name": "name"}},
        validate={"required": ["name"]},
    )
    records = [{"id": i, "name": None if i == 1 else "x"} for i in range(6)]
    journal = MemoryJournal()
    refs = [f"m{i}" for i in range(6)]
    await run_pipeline(None, MemoryTarget(), doc, journal, records=records, refs=refs)
    # Loaded or skipped by the filter: everything but the failure, each reported once.
    assert journal.passed_refs == ["m0", "m2", "m3", "m4", "m5"]
    assert [f.ref for f in journal.failed] == ["m1"]
