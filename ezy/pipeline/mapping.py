"""The mapping document, which the pipeline runs: its JSON Schema, its check, and its compilation.

    compile_mapping(doc) -> MappingDocument            checked and compiled in one pass; raises
                                                        MappingDocumentError listing every problem
    validate_mapping_document(doc) -> list[FieldError]  the same check, answering the problems

Every expression is compiled exactly once, here: saving a mapping, a preview and a run each call
`compile_mapping` once and hand the result along, so the transform stage evaluates the expressions
this pass compiled (its section is a `CompiledTransform`). A compiled mapping is for one run or one
preview at a time: an interpreted expression carries its own budget meter, used by one thread at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from ezy.errors import FieldError
from ezy.expressions import CompiledExpression, ExpressionSyntaxError, compile_expression, compile_fields
from ezy.pipeline import schema_regex

# schema/ is a sibling package owned by the API layer; reading the file directly keeps the
# pipeline from importing it (and from importing GraphQL with it).
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "mapping.schema.json"

LoadMode = Literal["upsert", "insert", "update"]
KeyCase = Literal["camel", "snake"]


class MappingDocumentError(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.pointer or '/'}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ExtractSection:
    resource: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    cursor_field: str | None = None
    batch_size: int = 250


@dataclass(frozen=True)
class NormalizeSection:
    trim_strings: bool = False
    empty_as_null: bool = False
    timestamps: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    key_case: KeyCase | None = None


@dataclass(frozen=True)
class TransformSection:
    key: str | None = None
    filter: str | None = None
    fields: Mapping[str, str] | None = None  # None: the record passes through
    defaults: Mapping[str, Any] = field(default_factory=dict)


FieldsFunction = Callable[[Any], dict[str, Any] | None]


@dataclass(frozen=True)
class CompiledTransform(TransformSection):
    """The transform section with its expressions compiled: what the transform stage evaluates."""

    key_expression: CompiledExpression | None = None
    filter_expression: CompiledExpression | None = None
    field_expressions: tuple[tuple[str, CompiledExpression], ...] | None = None

    @cached_property
    def all_fields(self) -> FieldsFunction | None:
        """All fields in one generated function when every one compiles to Python (`compile_fields`);
        generated on first use, so saving a mapping (which only checks it) does not pay for it."""
        return compile_fields(self.fields) if self.fields else None


@dataclass(frozen=True)
class ValidateSection:
    required: tuple[str, ...] = ()
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LoadSection:
    resource: str | None = None
    mode: LoadMode = "upsert"
    keys: tuple[str, ...] = ()
    batch_size: int = 500
    create_table: bool = False


@dataclass(frozen=True)
class MappingDocument:
    version: int = 1
    extract: ExtractSection = field(default_factory=ExtractSection)
    normalize: NormalizeSection = field(default_factory=NormalizeSection)
    transform: TransformSection = field(default_factory=TransformSection)
    validate: ValidateSection = field(default_factory=ValidateSection)
    load: LoadSection = field(default_factory=LoadSection)


@cache
def mapping_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(mapping_schema())


def compile_mapping(doc: object) -> MappingDocument:
    """The document checked against its JSON Schema and every expression compiled, once.

    Raises `MappingDocumentError` with every problem: schema errors and expression syntax errors
    together (one answer lists everything), then the checks that need a well-formed document.
    """
    errors = [e for error in _validator().iter_errors(doc) for e in _field_errors(error)]
    compiled: dict[str, CompiledExpression] = {}
    if isinstance(doc, dict):
        compiled, syntax_errors = _compile_all(_expressions(doc))
        errors.extend(syntax_errors)
        if not errors:
            errors.extend(_schema_errors(doc))
            errors.extend(_unknown_output_fields(doc))
    if errors:
        raise MappingDocumentError(sorted(errors, key=lambda e: e.pointer))
    assert isinstance(doc, dict)
    return _document(doc, compiled)


def validate_mapping_document(doc: object) -> list[FieldError]:
    """What `compile_mapping` finds wrong with `doc`, sorted by pointer; empty when it compiles."""
    try:
        compile_mapping(doc)
    except MappingDocumentError as exc:
        return exc.errors
    return []


def compile_transform(section: TransformSection) -> CompiledTransform:
    """A section built in code (tests, benchmarks) compiled as `compile_mapping` compiles a document's."""
    if isinstance(section, CompiledTransform):
        return section
    sources = [(pointer("transform", name), getattr(section, name)) for name in ("key", "filter")]
    sources += [(pointer("transform", "fields", n), s) for n, s in (section.fields or {}).items()]
    compiled, errors = _compile_all((at, source) for at, source in sources if source)
    if errors:
        raise MappingDocumentError(errors)
    return _compiled_transform(section, compiled)


def _compile_all(
    sources: Iterable[tuple[str, str]],
) -> tuple[dict[str, CompiledExpression], list[FieldError]]:
    compiled: dict[str, CompiledExpression] = {}
    errors: list[FieldError] = []
    for at, source in sources:
        try:
            compiled[at] = compile_expression(source)
        except ExpressionSyntaxError as exc:
            errors.append(FieldError(at, f"expression syntax error: {exc}"))
    return compiled, errors


def _compiled_transform(
    section: TransformSection, compiled: Mapping[str, CompiledExpression]
) -> CompiledTransform:
    fields = section.fields
    return CompiledTransform(
        key=section.key,
        filter=section.filter,
        fields=fields,
        defaults=section.defaults,
        key_expression=compiled.get(pointer("transform", "key")),
        filter_expression=compiled.get(pointer("transform", "filter")),
        field_expressions=(
            None
            if fields is None
            else tuple((name, compiled[pointer("transform", "fields", name)]) for name in fields)
        ),
    )


def _document(doc: dict[str, Any], compiled: Mapping[str, CompiledExpression]) -> MappingDocument:
    ext, norm = doc.get("extract", {}), doc.get("normalize", {})
    tr, val, load = doc.get("transform", {}), doc.get("validate", {}), doc.get("load", {})
    transform = TransformSection(
        key=tr.get("key"), filter=tr.get("filter"), fields=tr.get("fields"), defaults=tr.get("defaults", {})
    )
    return MappingDocument(
        version=doc["version"],
        extract=ExtractSection(
            resource=ext.get("resource"),
            params=ext.get("params", {}),
            cursor_field=ext.get("incremental", {}).get("cursorField"),
            batch_size=ext.get("batchSize", 250),
        ),
        normalize=NormalizeSection(
            trim_strings=norm.get("trimStrings", False),
            empty_as_null=norm.get("emptyAsNull", False),
            timestamps=tuple(norm.get("timestamps", ())),
            numbers=tuple(norm.get("numbers", ())),
            key_case=norm.get("keyCase"),
        ),
        transform=_compiled_transform(transform, compiled),
        validate=ValidateSection(required=tuple(val.get("required", ())), schema=val.get("schema")),
        load=LoadSection(
            resource=load.get("resource"),
            mode=load.get("mode", "upsert"),
            keys=tuple(load.get("keys", ())),
            batch_size=load.get("batchSize", 500),
            create_table=load.get("createTable", False),
        ),
    )


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON Pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _field_errors(error: ValidationError) -> Iterator[FieldError]:
    at = list(error.absolute_path)
    # Point at the offending key itself rather than at the object that holds it.
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in sorted(k for k in error.instance if k not in allowed):
            yield FieldError(pointer(*at, name), "unknown field")
    elif error.validator == "required" and isinstance(error.validator_value, list):
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield FieldError(pointer(*at, name), "is required")
    else:
        yield FieldError(pointer(*at), error.message)


def _expressions(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    transform = doc.get("transform")
    if not isinstance(transform, dict):
        return
    for name in ("key", "filter"):
        if isinstance(transform.get(name), str):
            yield pointer("transform", name), transform[name]
    fields = transform.get("fields")
    for name, source in fields.items() if isinstance(fields, dict) else ():
        if isinstance(source, str):
            yield pointer("transform", "fields", name), source


def _schema_errors(doc: dict[str, Any]) -> Iterator[FieldError]:
    schema = doc.get("validate", {}).get("schema")
    if schema is None:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        yield FieldError(
            pointer("validate", "schema", *exc.absolute_path), f"invalid JSON Schema: {exc.message}"
        )
        return
    for path, message in schema_regex.unsupported(schema):
        yield FieldError(pointer("validate", "schema", *path), message)


def _unknown_output_fields(doc: dict[str, Any]) -> Iterator[FieldError]:
    # With explicit fields, the output has exactly those (plus defaults): naming anything else
    # would fail every record of every run, so say it now.
    transform = doc.get("transform", {})
    if "fields" not in transform:
        return
    outputs = set(transform["fields"]) | set(transform.get("defaults", {}))
    for section, name in (("load", "keys"), ("validate", "required")):
        for i, field_name in enumerate(doc.get(section, {}).get(name, [])):
            if field_name not in outputs:
                yield FieldError(
                    pointer(section, name, i), f"{field_name!r} is not an output field of transform"
                )
