"""Mapping configurations and previews as clients write and read them (REST, GraphQL and OpenAPI
derive from these).

The mapping `document` has a declaration of its own: the JSON Schema `schema/mapping.schema.json`
(the `MappingDocument` component), which the service checks a document against as it compiles it
(`ezy.pipeline.mapping`), with pointers into the document. Here it is a JSON object that refers to it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema
from typing_extensions import TypedDict

from ezy.contract import Contract, Filter, JSONObject, Name, ResourceView, View
from ezy.expressions import BACKENDS, CompiledKind

MAX_PREVIEW_RECORDS = 100
MAPPING_DOCUMENT = "MappingDocument"

EXAMPLE_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products"},
    "normalize": {"trimStrings": True, "numbers": ["variants[*].price"]},
    "transform": {
        "key": "id",
        "filter": "status = 'active'",
        "fields": {"externalId": "$string(id)", "sku": "variants[0].sku", "title": "$trim(title)"},
    },
    "validate": {"required": ["externalId", "sku"]},
    "load": {"resource": "items", "keys": ["externalId"]},
}
EXAMPLE_RECORD: dict[str, Any] = {
    "id": 7,
    "title": " Mug ",
    "status": "active",
    "variants": [{"sku": "MUG-1", "price": "9.50"}],
}

# A JSON object on the wire; OpenAPI refers to the document's own schema, the `MappingDocument`
# component (`x-component` becomes that `$ref`: see ezy/rest/openapi_models.py).
MappingDocumentObject = Annotated[
    JSONObject,
    WithJsonSchema(
        {
            "x-component": MAPPING_DOCUMENT,
            "description": "Checked against the published JSON Schema and compiled; problems are 422s.",
        }
    ),
]


def _at_most_preview_records(records: Any) -> Any:
    # Before the items are looked at: a huge list is refused without walking it.
    if isinstance(records, list) and len(records) > MAX_PREVIEW_RECORDS:
        raise ValueError(f"at most {MAX_PREVIEW_RECORDS} records per preview")
    return records


Records = Annotated[
    list[object],
    BeforeValidator(_at_most_preview_records),
    Field(
        description="Input records, as the source reads them (any JSON: a non-object stops at normalize).",
        json_schema_extra={"maxItems": MAX_PREVIEW_RECORDS},
    ),
]


class MappingConfigurationInput(Contract):
    """A whole mapping configuration (create, PUT)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Products to items", "document": EXAMPLE_DOCUMENT}]}
    )

    name: Name
    document: MappingDocumentObject


class MappingConfigurationPatch(Contract):
    """A JSON Merge Patch of a mapping configuration: omitted members stay, `document` merges into
    the stored document, null removes."""

    name: Name | None = None
    document: MappingDocumentObject | None = None


class MappingConfigurationView(ResourceView):
    """How records are normalized, transformed and validated on their way: a named mapping document."""

    name: str
    document: MappingDocumentObject


class MappingConfigurationFilter(Filter):
    name: str | None = Field(default=None, description="Exact name.")


class PreviewInput(Contract):
    """Records to run through a saved mapping."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"records": [EXAMPLE_RECORD]}]})

    records: Records


class UnsavedPreviewInput(Contract):
    """Records to run through a mapping document that is not saved."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"document": EXAMPLE_DOCUMENT, "records": [EXAMPLE_RECORD]}]}
    )

    document: MappingDocumentObject
    records: Records


class PreviewStop(View):
    """Where and why a record stopped."""

    stage: str
    code: str
    message: str


class PreviewStages(View):
    """The record after each stage (null for stages it did not reach)."""

    normalize: object | None = Field(description="The record after normalize (any JSON).")
    transform: object | None = Field(description="The record after transform (any JSON).")
    # `validate` would shadow a BaseModel method; the wire (and GraphQL) name is the alias.
    validate_: object | None = Field(alias="validate", description="The record after validate (any JSON).")


class PreviewField(TypedDict):
    """One output field on its own: its value, or its error, and the backend that evaluated it."""

    value: object
    compiled: CompiledKind
    error: str | None


class PreviewRecordResult(View):
    """One record through normalize -> transform -> validate."""

    input: object | None = Field(description="The record as given.")
    stages: PreviewStages
    output: JSONObject | None = Field(description="What a run would hand the target; null if it stopped.")
    stopped_at: PreviewStop | None
    fields: dict[str, PreviewField] = Field(
        description=f"Per output field: `{{value, compiled}}`. {BACKENDS}"
    )


class PreviewResult(View):
    """What a run would do with the records, with no side effects: one result per record, in order."""

    results: list[PreviewRecordResult]
