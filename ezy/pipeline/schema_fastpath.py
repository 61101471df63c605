"""A conservative fast path for JSON Schema: a predicate that can only say "certainly valid".

jsonschema stays the judge. This compiles the keywords target schemas mostly use (type,
properties, required, enum, const, bounds, lengths, pattern, items, allOf/anyOf) into plain Python
checks; a record they pass is one Draft 2020-12 passes too (property-tested), and anything else, or
a schema with any other keyword, goes to the full validator, which decides and words the errors.
Most records are valid, so most never pay for the general validator's machinery.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

from ezy.pipeline import schema_regex

Check = Callable[[Any], bool]


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
    return _string_rule(lambda s: schema_regex.search(value, s) is not None)


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
