"""Normalize: make records uniform before the mapping sees them.

Order within a record: trim strings, empty string -> null and key case in one copying walk;
then the `numbers` and `timestamps` paths (written with the source's key names) on that copy.
The input record is never modified, so it stays the DLQ payload if this stage fails it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ezy.mappings.document import NormalizeSection
from ezy.pipeline._paths import PathStep, parse_field_path, update_at
from ezy.pipeline.records import Entry, FailureCode, Stage, StageResult, fail

_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INT_RE = re.compile(r"[+-]?\d+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class NormalizeError(ValueError):
    pass


class NormalizeStage:
    stage = Stage.NORMALIZE

    def __init__(self, section: NormalizeSection) -> None:
        self._trim = section.trim_strings
        self._empty = section.empty_as_null
        self._case = _case_converter(section.key_case)
        convert = self._case or (lambda key: key)
        self._paths: list[tuple[tuple[PathStep, ...], Callable[[Any], Any]]] = [
            *((_convert_steps(parse_field_path(p), convert), to_number) for p in section.numbers),
            *((_convert_steps(parse_field_path(p), convert), to_timestamp) for p in section.timestamps),
        ]
        self._walks = self._trim or self._empty or self._case is not None

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        for entry in entries:
            record = entry.record
            if type(record) is not dict:
                result.failures.append(
                    fail(entry, self.stage, FailureCode.NOT_AN_OBJECT, f"record is {_json_type(record)}")
                )
                continue
            try:
                entry.record = self.normalize(record)
            except RecursionError:
                result.failures.append(
                    fail(entry, self.stage, FailureCode.NORMALIZE_ERROR, "record is nested too deeply")
                )
                continue
            except Exception as exc:
                result.failures.append(fail(entry, self.stage, FailureCode.NORMALIZE_ERROR, str(exc)))
                continue
            result.ok.append(entry)
        return result

    def normalize(self, record: dict[str, Any]) -> dict[str, Any]:
        if not self._walks and not self._paths:
            return record
        out: dict[str, Any] = self._walk(record) if self._walks else _copy(record)
        for steps, fn in self._paths:
            update_at(out, steps, fn)
        return out

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            if self._trim:
                value = value.strip()
            return None if self._empty and value == "" else value
        if isinstance(value, dict):
            case = self._case
            if case is None:
                return {k: self._walk(v) for k, v in value.items()}
            return {case(k): self._walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        return value


def to_number(value: Any) -> Any:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if _INT_RE.fullmatch(text):
            return int(text)
        if _NUMBER_RE.fullmatch(text):
            return float(text)
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


def _copy(value: Any) -> Any:
    # Containers only: the path conversions write into dicts and lists, never into scalars.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


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
