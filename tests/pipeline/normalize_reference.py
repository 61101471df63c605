"""Normalize as it was before it was compiled into a plan: the reference the property tests hold the
compiled stage to. Kept verbatim (only this docstring differs); do not optimise it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from ezy.pipeline._paths import PathStep, parse_field_path, update_at
from ezy.pipeline.mapping import NormalizeSection
from ezy.pipeline.records import Entry, FailureCode, Stage, StageResult, fail

_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INT_RE = re.compile(r"[+-]?\d+")
# One match for both: group 1 is set when the text is an integer (_INT_RE), else a float.
_NUMBER_FORM = re.compile(rf"({_INT_RE.pattern})|{_NUMBER_RE.pattern}")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class NormalizeError(ValueError):
    pass


class NormalizeStage:
    stage = Stage.NORMALIZE

    def __init__(self, section: NormalizeSection) -> None:
        self._case = _case_converter(section.key_case)
        convert = self._case or (lambda key: key)
        paths = [
            *((_convert_steps(parse_field_path(p), convert), to_number) for p in section.numbers),
            *((_convert_steps(parse_field_path(p), convert), to_timestamp) for p in section.timestamps),
        ]
        self._paths = [_updater(steps, fn) for steps, fn in paths]
        self._spine = _trie(steps for steps, _ in paths)
        walks = section.trim_strings or section.empty_as_null or self._case is not None
        self._walk = _walker(section.trim_strings, section.empty_as_null, self._case) if walks else None

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        if self._walk is None and not self._paths:
            return self._check_objects(entries, result)
        ok, normalize = result.ok, self.normalize
        for entry in entries:
            record = entry.record
            if type(record) is not dict:
                result.failures.append(
                    fail(entry, self.stage, FailureCode.NOT_AN_OBJECT, f"record is {_json_type(record)}")
                )
                continue
            try:
                entry.record = normalize(record)
            except RecursionError:
                result.failures.append(
                    fail(entry, self.stage, FailureCode.NORMALIZE_ERROR, "record is nested too deeply")
                )
                continue
            except Exception as exc:
                result.failures.append(fail(entry, self.stage, FailureCode.NORMALIZE_ERROR, str(exc)))
                continue
            ok.append(entry)
        return result

    def _check_objects(self, entries: list[Entry], result: StageResult) -> StageResult:
        for entry in entries:
            if type(entry.record) is dict:
                result.ok.append(entry)
            else:
                message = f"record is {_json_type(entry.record)}"
                result.failures.append(fail(entry, self.stage, FailureCode.NOT_AN_OBJECT, message))
        return result

    def normalize(self, record: dict[str, Any]) -> dict[str, Any]:
        if self._walk is None and not self._paths:
            return record
        walk = self._walk
        out: dict[str, Any] = walk(record) if walk is not None else _copy_spine(record, self._spine)
        for update in self._paths:
            update(out)
        return out


_PLAIN = frozenset({int, float, bool, type(None)})
# Deeper than JSON itself can be encoded or parsed here: such a record fails this stage alone.
MAX_DEPTH = 1000


def _walker(trim: bool, empty: bool, case: Callable[[str], str] | None) -> Callable[[Any], Any]:
    """The copying walk, specialised: exact JSON types dispatch on `type()`, in the loop."""

    def walk_dict(value: dict[Any, Any], depth: int) -> dict[Any, Any]:
        if depth > MAX_DEPTH:
            raise RecursionError
        out = {}
        for key, item in value.items():
            kind = type(item)
            if kind is str:
                if trim:
                    item = item.strip()
                if empty and not item:
                    item = None
            elif kind is dict:
                item = walk_dict(item, depth + 1)
            elif kind is list:
                item = walk_list(item, depth + 1)
            elif kind not in _PLAIN:
                item = walk_any(item, depth + 1)
            out[key if case is None else case(key)] = item
        return out

    def walk_list(value: list[Any], depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            raise RecursionError
        return [item if type(item) in _PLAIN else walk_any(item, depth + 1) for item in value]

    def walk_any(value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            if trim:
                value = value.strip()
            return None if empty and value == "" else value
        if isinstance(value, dict):
            return walk_dict(value, depth)
        if isinstance(value, list):
            return walk_list(value, depth)
        return value

    return walk_any


def _updater(steps: tuple[PathStep, ...], fn: Callable[[Any], Any]) -> Callable[[Any], None]:
    """`update_at(record, steps, fn)` compiled to nested closures, one per step.

    Depth-first, which visits the values in the same order as update_at's level-by-level walk
    (so the first value to fail is the same one).
    """
    if not steps:
        return lambda record: update_at(record, steps, fn)  # raises as update_at does
    *head, last = steps
    update = _update_last(last, fn)
    for step in reversed(head):
        update = _descend(step, update)
    return update


def _update_last(last: PathStep, fn: Callable[[Any], Any]) -> Callable[[Any], None]:
    if isinstance(last, str) and last != "*":

        def update_field(parent: Any) -> None:
            if isinstance(parent, dict) and last in parent:
                parent[last] = fn(parent[last])

        return update_field
    if last == "*":

        def update_items(parent: Any) -> None:
            if isinstance(parent, list):
                for i, item in enumerate(parent):
                    parent[i] = fn(item)

        return update_items
    index = int(last)

    def update_item(parent: Any) -> None:
        if isinstance(parent, list) and -len(parent) <= index < len(parent):
            parent[index] = fn(parent[index])

    return update_item


def _descend(step: PathStep, inner: Callable[[Any], None]) -> Callable[[Any], None]:
    if isinstance(step, str) and step != "*":

        def into_field(value: Any) -> None:
            if isinstance(value, dict) and step in value:
                inner(value[step])

        return into_field
    if step == "*":

        def into_items(value: Any) -> None:
            if isinstance(value, list):
                for item in list(value):
                    inner(item)

        return into_items
    index = int(step)

    def into_item(value: Any) -> None:
        if isinstance(value, list) and -len(value) <= index < len(value):
            inner(value[index])

    return into_item


Trie = dict[PathStep, "Trie"]


def _trie(paths: Iterable[tuple[PathStep, ...]]) -> Trie:
    root: Trie = {}
    for steps in paths:
        node = root
        for step in steps[:-1]:  # the last step names a value, not a container to copy
            node = node.setdefault(step, {})
    return root


def _copy_spine(value: Any, trie: Trie) -> Any:
    """A copy of the containers the paths in `trie` write into (and of the record itself)."""
    if isinstance(value, dict):
        out = dict(value)
        for step, below in trie.items():
            if isinstance(step, str) and step != "*" and step in out:
                out[step] = _copy_spine(out[step], below)
        return out
    if isinstance(value, list):
        items = list(value)
        for step, below in trie.items():
            if step == "*":
                items = [_copy_spine(item, below) for item in items]
            elif isinstance(step, int) and -len(items) <= step < len(items):
                items[step] = _copy_spine(items[step], below)
        return items
    return value


def to_number(value: Any) -> Any:
    if isinstance(value, str):  # the usual case first: a number in a string
        text = value.strip()
        if text == "":
            return None
        match = _NUMBER_FORM.fullmatch(text)
        if match is not None:
            return int(text) if match.group(1) is not None else float(text)
        raise NormalizeError(f"not a number: {value!r:.60}")
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise NormalizeError(f"not a number: {value!r:.60}")


def to_timestamp(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)  # epoch seconds
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise NormalizeError(f"not a timestamp: {value!r:.60}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # naive timestamps are taken as UTC
    else:
        raise NormalizeError(f"not a timestamp: {value!r:.60}")
    moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds").replace(
        "+00:00", "Z"
    )


def _case_converter(case: str | None) -> Callable[[str], str] | None:
    if case is None:
        return None
    convert = _to_camel if case == "camel" else _to_snake
    memo: dict[str, str] = {}  # records repeat the same few keys: convert each once per run

    def cached(key: str) -> str:
        found = memo.get(key)
        if found is None:
            found = convert(key)
            if len(memo) < 100_000:  # bounded: keys that are data (ids as keys) must not leak
                memo[key] = found
        return found

    return cached


def _to_snake(key: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", key).replace("-", "_").replace(" ", "_").lower()


def _to_camel(key: str) -> str:
    words = [w for w in re.split(r"[_\-\s]+", _to_snake(key)) if w]
    if not words:
        return key
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _convert_steps(steps: tuple[PathStep, ...], convert: Callable[[str], str]) -> tuple[PathStep, ...]:
    return tuple(convert(s) if isinstance(s, str) and s != "*" else s for s in steps)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return names.get(type(value), type(value).__name__)
