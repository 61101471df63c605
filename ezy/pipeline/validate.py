"""Validate: required output fields (null counts as missing), then the target's JSON Schema.

The schema is compiled once per run into a Draft 2020-12 validator. For the keywords target
schemas mostly use (type, properties, required, enum, bounds, lengths, pattern, items, ...), it
is also compiled into a plain Python predicate that can only say "valid": a record it passes is
one the validator passes too, and any other record (or any schema with a keyword the predicate
does not know) goes to the full validator, which decides and words the errors. Most records
are valid, so most never pay for the general validator's machinery.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ezy.mappings.document import ValidateSection, pointer
from ezy.pipeline.records import Entry, FailureCode, RecordFailure, Stage, StageResult, fail

_MAX_REPORTED = 20
Check = Callable[[Any], bool]


class ValidateStage:
    stage = Stage.VALIDATE

    def __init__(self, section: ValidateSection) -> None:
        self._required = section.required
        # Compiled once per run; the validator caches its sub-schemas across records.
        schema = dict(section.schema) if section.schema is not None else None
        self._validator = Draft202012Validator(schema) if schema is not None else None
        self._surely_valid = fast_check(schema) if schema is not None else None

    def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        if not self._required and self._validator is None:
            result.ok.extend(entries)
            return result
        for entry in entries:
            try:
                failure = self._check(entry)
            except RecursionError:
                failure = fail(entry, self.stage, FailureCode.SCHEMA_INVALID, "record is nested too deeply")
            if failure is None:
                result.ok.append(entry)
            else:
                result.failures.append(failure)
        return result

    def _check(self, entry: Entry) -> RecordFailure | None:
        record = entry.record
        if self._required:
            missing = [name for name in self._required if record.get(name) is None]
            if missing:
                message = "missing required field(s): " + ", ".join(missing)
                return fail(entry, self.stage, FailureCode.REQUIRED_MISSING, message, fields=missing)
        if self._validator is None:
            return None
        if self._surely_valid is not None and self._surely_valid(record):
            return None
        errors = list(self._validator.iter_errors(record))
        if not errors:
            return None
        best = best_match(errors)
        assert best is not None
        return fail(
            entry,
            self.stage,
            FailureCode.SCHEMA_INVALID,
            f"{pointer(*best.absolute_path) or '/'}: {best.message}",
            errors=[_error(e) for e in errors[:_MAX_REPORTED]],
        )


def _error(error: Any) -> dict[str, str]:
    return {"pointer": pointer(*error.absolute_path), "message": error.message}


# --- the predicate -------------------------------------------------------------------------
# Each keyword compiles to a check that answers True only when the keyword certainly holds for
# the instance under Draft 2020-12 (as jsonschema applies it, with no format checker), and
# False when it fails *or* when the instance is of a kind the check does not reason about (a
# dict subclass, a Decimal): False only means "ask the validator".

# Keywords that never make an instance invalid here (format is an annotation without a checker).
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentMediaType",
        "contentEncoding",
    }
)
_TYPES: dict[str, Check] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "number": lambda v: type(v) is int or type(v) is float,
    "integer": lambda v: type(v) is int,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


def fast_check(schema: Any) -> Check | None:
    """A sound "certainly valid" predicate for `schema`, or None if it uses other keywords."""
    try:
        return _compile(schema)
    except Exception:  # an odd schema is the validator's business, never a failure here
        return None


def _compile(schema: Any) -> Check | None:
    if schema is True:
        return _always
    if not isinstance(schema, Mapping):
        return None
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        compiler = _KEYWORDS.get(keyword)
        check = compiler(value, schema) if compiler is not None else None
        if check is None:
            return None
        checks.append(check)
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    every = tuple(checks)

    def all_hold(value: Any) -> bool:
        for check in every:
            if not check(value):
                return False
        return True

    return all_hold


def _always(value: Any) -> bool:
    return True


def _type(value: Any, schema: Mapping[str, Any]) -> Check | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n in _TYPES for n in names):
        return None
    checks = tuple(_TYPES[n] for n in names)
    if len(checks) == 1:
        return checks[0]
    return lambda v: any(check(v) for check in checks)


def _properties(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, Mapping):
        return None
    compiled = []
    for name, subschema in value.items():
        check = _compile(subschema)
        if check is None:
            return None
        if check is not _always:
            compiled.append((name, check))
    pairs = tuple(compiled)

    def properties_hold(v: Any) -> bool:
        if type(v) is dict:
            for name, check in pairs:
                if name in v and not check(v[name]):
                    return False
            return True
        return not isinstance(v, dict)

    return properties_hold


def _additional_properties(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if "patternProperties" in schema:
        return None
    declared = schema.get("properties", {})
    if not isinstance(declared, Mapping):
        return None
    known = frozenset(declared)
    check = _compile(value) if value is not False else None
    if value is not False and check is None:
        return None

    def additional_hold(v: Any) -> bool:
        if type(v) is dict:
            for name in v:
                if name not in known and (check is None or not check(v[name])):
                    return False
            return True
        return not isinstance(v, dict)

    return additional_hold


def _required(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        return None
    names = tuple(value)

    def required_hold(v: Any) -> bool:
        if type(v) is dict:
            return all(name in v for name in names)
        return not isinstance(v, dict)

    return required_hold


def _enum(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, list):
        return None
    # Strings and null only: equality of numbers, booleans and containers is left to the validator.
    strings = frozenset(m for m in value if type(m) is str)
    has_null = any(m is None for m in value)
    return lambda v: (type(v) is str and v in strings) or (v is None and has_null)


def _const(value: Any, schema: Mapping[str, Any]) -> Check | None:
    return _enum([value], schema)


def _string_rule(test: Callable[[str], bool]) -> Check:
    def string_rule_holds(v: Any) -> bool:
        if type(v) is str:
            return test(v)
        return not isinstance(v, str)

    return string_rule_holds


def _number_rule(test: Callable[[Any], bool]) -> Check:
    def number_rule_holds(v: Any) -> bool:
        kind = type(v)
        if kind is int or kind is float:
            return test(v)
        return kind is bool or not isinstance(v, numbers.Number)

    return number_rule_holds


def _array_rule(test: Callable[[list[Any]], bool]) -> Check:
    def array_rule_holds(v: Any) -> bool:
        if type(v) is list:
            return test(v)
        return not isinstance(v, list)

    return array_rule_holds


def _is_bound(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _length_bound(value: Any) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


def _pattern(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, str):
        return None
    search = re.compile(value).search
    return _string_rule(lambda s: search(s) is not None)


def _items(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if "prefixItems" in schema:
        return None
    check = _compile(value)
    if check is None:
        return None
    return _array_rule(lambda items: all(check(item) for item in items))


def _all_of(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, list) or not value:
        return None
    checks = [_compile(s) for s in value]
    if any(c is None for c in checks):
        return None
    every = tuple(c for c in checks if c is not None)
    return lambda v: all(check(v) for check in every)


def _any_of(value: Any, schema: Mapping[str, Any]) -> Check | None:
    if not isinstance(value, list) or not value:
        return None
    checks = [_compile(s) for s in value]
    if any(c is None for c in checks):
        return None
    some = tuple(c for c in checks if c is not None)
    return lambda v: any(check(v) for check in some)


def _bound(test: Callable[[Any, Any], bool], rule: Callable[[Callable[[Any], bool]], Check]) -> Any:
    def compile_bound(value: Any, schema: Mapping[str, Any]) -> Check | None:
        if not _is_bound(value):
            return None
        return rule(lambda v: test(v, value))

    return compile_bound


def _length(test: Callable[[int, Any], bool], rule: Callable[[Callable[[Any], bool]], Check]) -> Any:
    def compile_length(value: Any, schema: Mapping[str, Any]) -> Check | None:
        if not _length_bound(value):
            return None
        return rule(lambda v: test(len(v), value))

    return compile_length


_KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Check | None]] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "required": _required,
    "enum": _enum,
    "const": _const,
    "minimum": _bound(lambda v, b: v >= b, _number_rule),
    "maximum": _bound(lambda v, b: v <= b, _number_rule),
    "exclusiveMinimum": _bound(lambda v, b: v > b, _number_rule),
    "exclusiveMaximum": _bound(lambda v, b: v < b, _number_rule),
    "minLength": _length(lambda n, b: n >= b, _string_rule),
    "maxLength": _length(lambda n, b: n <= b, _string_rule),
    "minItems": _length(lambda n, b: n >= b, _array_rule),
    "maxItems": _length(lambda n, b: n <= b, _array_rule),
    "pattern": _pattern,
    "items": _items,
    "allOf": _all_of,
    "anyOf": _any_of,
}
