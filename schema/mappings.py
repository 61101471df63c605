"""Mapping configurations: `{name, document}`, the document checked against the published JSON Schema."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.base import get_object_definition

from ezy.contract import parse
from ezy.mappings import service
from ezy.mappings.contracts import (
    MappingConfigurationFilter,
    MappingConfigurationInput,
    MappingConfigurationPatch,
    MappingConfigurationView,
    PreviewInput,
    PreviewRecordResult,
    PreviewResult,
    PreviewStages,
    PreviewStop,
    UnsavedPreviewInput,
)
from ezy.mappings.models import MappingConfiguration as MappingRow
from schema.common import as_view, contract_input, contract_type
from schema.context import Info
from schema.crud import Crud, crud_mutations, crud_queries
from schema.errors import NotFoundError, ValidationError

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
contract_type(MappingConfigurationView, "MappingConfiguration")
contract_input(MappingConfigurationInput, "MappingConfigurationInput")
contract_input(MappingConfigurationPatch, "MappingConfigurationPatch")
contract_type(PreviewStop, "PreviewStop")
contract_type(PreviewRecordResult, "PreviewResult")
contract_type(PreviewResult, "MappingPreview")


def _named_as_on_the_wire(graphql_type: type) -> None:
    # `validate_` (BaseModel has a method `validate`) is answered as `validate`, as REST does.
    for field in get_object_definition(graphql_type, strict=True).fields:
        if field.python_name == "validate_":
            field.graphql_name = "validate"


_named_as_on_the_wire(contract_type(PreviewStages, "PreviewStages"))


def mapping_of(row: MappingRow) -> MappingConfigurationView:
    return as_view(MappingConfigurationView, row)


MAPPINGS = Crud(
    "MappingConfiguration",
    "mapping configuration",
    MappingConfigurationView,
    MappingConfigurationInput,
    MappingConfigurationPatch,
    MappingConfigurationFilter,
    service,  # a module satisfies the protocol
)
MappingCrudQueries = crud_queries(MAPPINGS, "mapping_configurations")
MappingMutations = crud_mutations(MAPPINGS)
PreviewMappingResult = Annotated[
    PreviewResult | ValidationError | NotFoundError, strawberry.union("PreviewMappingResult")
]


@strawberry.type
class MappingQueries(MappingCrudQueries):  # type: ignore[misc,valid-type]
    @strawberry.field(
        description=(
            "Runs records (at most 100) through a saved mapping (`mappingId`) or an unsaved `document`, "
            "with no side effects. Errors point into `{records, document}` as REST's preview body; an "
            "expression out of its budget (time, depth, size) is a ValidationError at the expression."
        )
    )
    async def preview_mapping(
        self,
        info: Info,
        records: JSON,
        mapping_id: strawberry.ID | None = None,
        document: JSON | None = None,
    ) -> PreviewMappingResult:
        ctx = info.context.ctx
        if mapping_id is not None:
            return await service.preview_saved(ctx, mapping_id, parse(PreviewInput, {"records": records}))
        # Only what was given, so a missing document is "document is required" as in REST.
        body: dict[str, Any] = {"records": records} | ({} if document is None else {"document": document})
        return await service.preview_unsaved(ctx, parse(UnsavedPreviewInput, body))
