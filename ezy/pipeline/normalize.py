"""Normalize: make records uniform before the mapping sees them.

Order within a record: trim strings, empty string -> null and key case in one copying walk;
then the `numbers` and `timestamps` paths (written with the source's key names) on that copy.
The input record is never modified, so it stays the DLQ payload if this stage fails it. With
no walk to do, only the containers the paths write into are copied; the rest is shared with
the input, which no stage modifies.

The section is compiled once per run into a plan: one Python function, generated for exactly
the options given (the walk's string rule and key rule written in, each path's steps unrolled
into nested loops), so no record pays for reading the options.
"""

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
            *((_convert_steps(parse_field_path(p), convert), "to_number") for p in section.numbers),
            *((_convert_steps(parse_field_path(p), convert), "to_timestamp") for p in section.timestamps),
        ]
        walks = section.trim_strings or section.empty_as_null or self._case is not None
        self._noop = not walks and not paths
        plan = _plan(section.trim_strings, section.empty_as_null, self._case is not None, walks, paths)
        namespace: dict[str, Any] = {
            "MAX_DEPTH": MAX_DEPTH,
            "_PLAIN": _PLAIN,
            "case": self._case,
            "to_number": to_number,
            "to_timestamp": to_timestamp,
            "update_at": update_at,
            "copy_spine": _copy_spine,
            "spine": _trie(steps for steps, _ in paths),
        }
        exec(compile(plan, "<normalize plan>", "exec"), namespace)  # our own generated source, no input in it
        self.plan_source = plan
        self._normalize: Callable[[dict[str, Any]], dict[str, Any]] = namespace["normalize"]

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        if self._noop:
            return self._check_objects(entries, result)
        ok, normalize = result.ok, self._normalize
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
        return record if self._noop else self._normalize(record)


_PLAIN = frozenset({int, float, bool, type(None)})
# Deeper than JSON itself can be encoded or parsed here: such a record fails this stage alone.
MAX_DEPTH = 1000


def _plan(
    trim: bool, empty: bool, case: bool, walks: bool, paths: list[tuple[tuple[PathStep, ...], str]]
) -> str:
    """The source of `normalize(record)` for these options.

    The walk copies every container, exact JSON types dispatched on `type()` in the loop, the
    rest through `walk_any`'s isinstance checks; each path then updates the copy in place,
    depth first (the order of update_at's level-by-level walk, so the first value to fail is
    the same one).
    """
    lines = [*_walk_source(trim, empty, case), "def normalize(record):"]
    # The stage hands over dicts only (exactly dict: anything else failed as not an object).
    lines.append("    out = walk_dict(record, 0)" if walks else "    out = copy_spine(record, spine)")
    for steps, fn in paths:
        lines.extend(_path_source(steps, fn))
    lines.append("    return out")
    return "\n".join(lines) + "\n"


def _walk_source(trim: bool, empty: bool, case: bool) -> list[str]:
    strip = ".strip()" if trim else ""
    # `x or None` is x unless x is "" (for an exact str).
    text = f"item{strip} or None" if empty else f"item{strip}"
    # A str subclass keeps walk_any's `== ""` test.
    any_text = f"(None if (value := value{strip}) == '' else value)" if empty else f"value{strip}"
    key = "case(key)" if case else "key"
    # Branches in the order values come most (text, then numbers and the like), each assigning
    # on its own; a list's dicts go straight to walk_dict.
    return [
        "def walk_dict(value, depth):",
        "    if depth > MAX_DEPTH:",
        "        raise RecursionError",
        "    out = {}",
        "    for key, item in value.items():",
        "        kind = type(item)",
        "        if kind is str:",
        f"            out[{key}] = {text}",
        "        elif kind in _PLAIN:",
        f"            out[{key}] = item",
        "        elif kind is dict:",
        f"            out[{key}] = walk_dict(item, depth + 1)",
        "        elif kind is list:",
        f"            out[{key}] = walk_list(item, depth + 1)",
        "        else:",
        f"            out[{key}] = walk_any(item, depth + 1)",
        "    return out",
        "def walk_list(value, depth):",
        "    if depth > MAX_DEPTH:",
        "        raise RecursionError",
        "    depth += 1",
        "    return [",
        "        walk_dict(item, depth) if (kind := type(item)) is dict",
        "        else item if kind in _PLAIN",
        "        else walk_any(item, depth)",
        "        for item in value",
        "    ]",
        "def walk_any(value, depth):",
        "    if isinstance(value, str):",
        f"        return {any_text}",
        "    if isinstance(value, dict):",
        "        return walk_dict(value, depth)",
        "    if isinstance(value, list):",
        "        return walk_list(value, depth)",
        "    return value",
    ]


def _path_source(steps: tuple[PathStep, ...], fn: str) -> list[str]:
    """Statements applying `fn` at `steps` of `out`, one nested block per step."""
    if not steps:
        return [f"    update_at(out, (), {fn})"]  # raises as update_at does
    lines, indent, here = [], "    ", "out"
    *head, last = steps
    for n, step in enumerate(head):
        inner = f"v{n}"
        if isinstance(step, str) and step != "*":
            lines.append(f"{indent}if isinstance({here}, dict) and {step!r} in {here}:")
            lines.append(f"{indent}    {inner} = {here}[{step!r}]")
            indent += "    "
        elif step == "*":
            lines.append(f"{indent}if isinstance({here}, list):")
            lines.append(f"{indent}    for {inner} in list({here}):")
            indent += "        "
        else:
            index = int(step)
            lines.append(f"{indent}if isinstance({here}, list) and -len({here}) <= {index} < len({here}):")
            lines.append(f"{indent}    {inner} = {here}[{index}]")
            indent += "    "
        here = inner
    if isinstance(last, str) and last != "*":
        lines.append(f"{indent}if isinstance({here}, dict) and {last!r} in {here}:")
        lines.append(f"{indent}    {here}[{last!r}] = {fn}({here}[{last!r}])")
    elif last == "*":
        lines.append(f"{indent}if isinstance({here}, list):")
        lines.append(f"{indent}    for i, item in enumerate({here}):")
        lines.append(f"{indent}        {here}[i] = {fn}(item)")
    else:
        index = int(last)
        lines.append(f"{indent}if isinstance({here}, list) and -len({here}) <= {index} < len({here}):")
        lines.append(f"{indent}    {here}[{index}] = {fn}({here}[{index}])")
    return lines


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


# Every character a number in text can have, as the patterns above read it in ASCII; a text of
# only these is a number exactly when int() or float() takes it (neither then sees an
# underscore, "nan" or "inf"), which costs less than the match.
_NUMBER_CHARS = "0123456789+-.eE"


def to_number(value: Any) -> Any:
    if isinstance(value, str):  # the usual case first: a number in a string
        text = value.strip()
        if text == "":
            return None
        if not text.strip(_NUMBER_CHARS):
            try:
                return float(text) if "." in text or "e" in text or "E" in text else int(text)
            except ValueError:
                pass  # not a number: the match below says so, as for any other text
        match = _NUMBER_FORM.fullmatch(text)
        if match is not None:
            return int(text) if match.group(1) is not None else float(text)
        raise NormalizeError(f"not a number: {value!r:.60}")
    if value is None or (isinstance(value, _NUMERIC) and not isinstance(value, bool)):
        return value
    raise NormalizeError(f"not a number: {value!r:.60}")


_NUMERIC = (int, float)
_TWO_DIGITS = [f"{n:02d}" for n in range(100)]


def to_timestamp(value: Any) -> Any:
    """ISO 8601 in UTC, `Z`-suffixed, with microseconds only when there are some (isoformat's
    text, written out here from the fields: isoformat itself costs several times more)."""
    if isinstance(value, str):  # the usual case first
        if not (text := value.strip()):
            raise NormalizeError(f"not a timestamp: {value!r:.60}")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise NormalizeError(f"not a timestamp: {value!r:.60}") from None
        if moment.tzinfo is not None:  # naive timestamps are taken as UTC
            moment = moment.astimezone(UTC)
    elif value is None:
        return None
    elif isinstance(value, _NUMERIC) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)  # epoch seconds
    else:
        raise NormalizeError(f"not a timestamp: {value!r:.60}")
    year, two = moment.year, _TWO_DIGITS
    text = (
        f"{year if year >= 1000 else f'{year:04d}'}-{two[moment.month]}-{two[moment.day]}"
        f"T{two[moment.hour]}:{two[moment.minute]}:{two[moment.second]}"
    )
    return f"{text}.{moment.microsecond:06d}Z" if moment.microsecond else f"{text}Z"


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
