"""The compiled normalize plan gives exactly what the interpreted stage gave, for any options and
records: the same records (types, key order), the same failures with the same messages, and
the input left as it was."""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ezy.connectors.sample import SampleConnector
from ezy.pipeline.mapping import NormalizeSection
from ezy.pipeline.normalize import NormalizeStage, to_number, to_timestamp
from ezy.pipeline.records import Entry

from . import normalize_reference as reference

KEYS = ["id", "price", "updated_at", "variants", "firstName", "last_name", "Tags", "x-y", "a", "b", " "]
PATHS = [
    "price",
    "updated_at",
    "variants[*].price",
    "variants[0].price",
    "variants[-1].updated_at",
    "a.b",
    "a[*]",
    "a[*].b[1]",
    "firstName",
    "last_name",
    "missing.deep",
]
TEXTS = ["", "  ", " x ", "19.99", " 7 ", "-3", "1e3", "abc", "yesterday", "ünï ", "\t\n"]
TEXTS += ["2026-03-01T10:00:00-05:00", "2026-03-01 10:00:00", "2026-03-01T10:00:00.5+05:30"]


class Text(str):
    """A str subclass: takes the walk's isinstance path."""


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.sampled_from(TEXTS),
    st.text(max_size=6),
    st.sampled_from(TEXTS).map(Text),
    st.sampled_from([1_700_000_000, 1.5e9]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)
records = st.one_of(st.dictionaries(st.sampled_from(KEYS), values, max_size=8), values)
sections = st.builds(
    NormalizeSection,
    trim_strings=st.booleans(),
    empty_as_null=st.booleans(),
    key_case=st.sampled_from([None, "camel", "snake"]),
    numbers=st.lists(st.sampled_from(PATHS), max_size=3).map(tuple),
    timestamps=st.lists(st.sampled_from(PATHS), max_size=2).map(tuple),
)


def _outcome(stage: Any, record: Any) -> tuple[str, str]:
    """The record or failure a stage gives, as text that tells 1, 1.0 and True apart."""
    result = stage.run([Entry(record)])
    if result.failures:
        failure = result.failures[0]
        return "failed", f"{failure.code}: {failure.message}"
    return "ok", repr(result.ok[0].record)


def _assert_same(section: NormalizeSection, record: Any) -> None:
    before = copy.deepcopy(record)
    expected = _outcome(reference.NormalizeStage(section), copy.deepcopy(record))
    assert _outcome(NormalizeStage(section), record) == expected
    assert repr(record) == repr(before)  # the input, the DLQ payload, is never modified


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections, records)
def test_the_plan_matches_the_interpreted_stage(section: NormalizeSection, record: Any) -> None:
    _assert_same(section, record)


CORPUS = [
    record
    for resource in ("products", "orders", "customers")
    for record in SampleConnector({"count": 60, "seed": 3}).generate(resource, 0, 60)
]
OPTION_SETS = [
    NormalizeSection(
        trim_strings=trim,
        empty_as_null=empty,
        key_case=case,
        numbers=("variants[*].price", "line_items[*].price", "total_price", "variants[*].compare_at_price"),
        timestamps=("updated_at", "created_at"),
    )
    for trim, empty, case in itertools.product([False, True], [False, True], [None, "camel", "snake"])
]


@pytest.mark.parametrize("section", OPTION_SETS)
def test_the_plan_matches_the_interpreted_stage_on_sample_store_data(section: NormalizeSection) -> None:
    for record in CORPUS:
        _assert_same(section, record)


def test_records_nested_beyond_the_limit_fail_alone_as_before() -> None:
    deep: Any = "x"
    for _ in range(1200):
        deep = {"a": [deep]}
    section = NormalizeSection(trim_strings=True)
    _assert_same(section, deep)
    assert _outcome(NormalizeStage(section), deep)[0] == "failed"


def _converted(convert: Any, value: Any) -> str:
    try:
        return repr(convert(value))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


number_texts = st.one_of(
    st.text(alphabet="0123456789+-.eE_ \t٣xn", max_size=8),
    st.from_regex(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", fullmatch=True),
    st.sampled_from(["nan", "inf", "-Infinity", "1_000", "٣.5", "+-1", "1e", ".", "1" * 4400]),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(number_texts, number_texts.map(Text), scalars))
def test_numbers_convert_as_the_interpreted_stage_converted_them(value: Any) -> None:
    assert _converted(to_number, value) == _converted(reference.to_number, value)


offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
moments = st.datetimes(timezones=st.one_of(st.none(), st.builds(timezone, offsets)))
timestamp_texts = st.one_of(
    st.builds(
        lambda moment, spec, sep: moment.isoformat(sep=sep, timespec=spec),
        moments,
        st.sampled_from(["auto", "seconds", "milliseconds", "microseconds", "minutes"]),
        st.sampled_from(["T", " "]),
    ),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-13-01", " ", ""]),
    st.text(max_size=12),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(timestamp_texts, timestamp_texts.map(Text), scalars, st.floats(-1e11, 1e11)))
def test_timestamps_convert_as_the_interpreted_stage_converted_them(value: Any) -> None:
    assert _converted(to_timestamp, value) == _converted(reference.to_timestamp, value)
