"""Mapping configurations: `{name, document}`, the document checked against the published JSON Schema."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.base import get_object_definition

from ezy.contract import parse, view_of
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
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    contract_input,
    contract_type,
    or_none,
    page_request,
)
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError

# The contracts are the GraphQL types: one declaration for REST, GraphQL and OpenAPI.
contract_type(MappingConfigurationView, "MappingConfiguration")
contract_input(MappingConfigurationInput, "MappingConfigurationInput")
contract_input(MappingConfigurationPatch, "MappingConfigurationPatch")
contract_type(PreviewStop, "PreviewStop")
contract_type(PreviewRecordResult, "PreviewResult")
contract_type(PreviewResult, "MappingPreview")
# `validate_` (a BaseModel method is called `validate`) is named as the wire names it.
for _field in get_object_definition(contract_type(PreviewStages, "PreviewStages"), strict=True).fields:
    if _field.python_name == "validate_":
        _field.graphql_name = "validate"


def mapping_of(row: MappingRow) -> MappingConfigurationView:
    return view_of(MappingConfigurationView, row)


@strawberry.type
class MappingConfigurationPayload:
    mapping_configuration: MappingConfigurationView


CreateResult = Annotated[
    MappingConfigurationPayload | ValidationError | ConflictError,
    strawberry.union("CreateMappingConfigurationResult"),
]
WriteResult = Annotated[
    MappingConfigurationPayload | ValidationError | NotFoundError | ConflictError | VersionMismatchError,
    strawberry.union("WriteMappingConfigurationResult"),
]
DeleteResult = Annotated[
    Deleted | NotFoundError | ConflictError | VersionMismatchError,
    strawberry.union("DeleteMappingConfigurationResult"),
]
PreviewMappingResult = Annotated[
    PreviewResult | ValidationError | NotFoundError, strawberry.union("PreviewMappingResult")
]


def _payload(row: MappingRow) -> MappingConfigurationPayload:
    return MappingConfigurationPayload(mapping_configuration=mapping_of(row))


@strawberry.type
class MappingQueries:
    @strawberry.field(description="Your mapping configurations, newest first; `name` filters (exact).")
    async def mapping_configurations(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        name: str | None = None,
    ) -> Page[MappingConfigurationView]:
        where = MappingConfigurationFilter(name=name)
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, mapping_of)

    @strawberry.field(description="One mapping configuration; null when your tenant has none with this id.")
    async def mapping_configuration(self, info: Info, id: strawberry.ID) -> MappingConfigurationView | None:
        row = await or_none(service.get(info.context.ctx, id))
        return mapping_of(row) if row else None

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


@strawberry.type
class MappingMutations:
    @strawberry.mutation(description="A new mapping configuration (REST's POST).")
    async def create_mapping_configuration(
        self, info: Info, input: MappingConfigurationInput
    ) -> CreateResult:
        return _payload(await service.create(info.context.ctx, input))

    @strawberry.mutation(description="Replaces the whole mapping configuration (REST's PUT).")
    async def replace_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: MappingConfigurationInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, input, expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: MappingConfigurationPatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, patch, expected_version))

    @strawberry.mutation(description="Deletes it; a ConflictError names the instances still using it.")
    async def delete_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
