"""Mapping configurations: `{name, document}`, the document checked against the published JSON Schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from ezy.expressions import BACKENDS
from ezy.mappings import service
from ezy.mappings.models import MappingConfiguration as MappingRow
from ezy.pagination import DEFAULT_PAGE_SIZE
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    filters,
    or_none,
    page_request,
    to_body,
)
from schema.context import Info
from schema.errors import ConflictError, NotFoundError, ValidationError, VersionMismatchError


@strawberry.type(description="How records are normalized, transformed and validated on their way.")
class MappingConfiguration:
    row: strawberry.Private[MappingRow]
    id: strawberry.ID
    name: str
    document: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: MappingRow) -> MappingConfiguration:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            name=row.name,
            document=JSON(row.document),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input(description="A whole mapping configuration (create, replace).")
class MappingConfigurationInput:
    name: str
    document: JSON


@strawberry.input(description="A JSON Merge Patch of a mapping configuration: omitted fields stay.")
class MappingConfigurationPatch:
    name: str | None = strawberry.UNSET
    document: JSON | None = strawberry.UNSET


@strawberry.type
class MappingConfigurationPayload:
    mapping_configuration: MappingConfiguration


@strawberry.type(description="Where and why a record stopped.")
class PreviewStop:
    stage: str
    code: str
    message: str


@strawberry.type(description="The record after each stage (null for stages it did not reach).")
class PreviewStages:
    normalize: JSON | None
    transform: JSON | None
    validate: JSON | None


@strawberry.type(description="One record through normalize -> transform -> validate.")
class PreviewResult:
    input: JSON | None
    stages: PreviewStages
    output: JSON | None
    stopped_at: PreviewStop | None
    fields: JSON = strawberry.field(description=f"Per output field: `{{value, compiled}}`. {BACKENDS}")

    @classmethod
    def from_dict(cls, result: dict[str, Any]) -> PreviewResult:
        stop = result["stoppedAt"]
        return cls(
            input=result["input"],
            stages=PreviewStages(**result["stages"]),
            output=result["output"],
            stopped_at=PreviewStop(**stop) if stop else None,
            fields=result["fields"],
        )


@strawberry.type(description="What a run would do with the records, with no side effects.")
class MappingPreview:
    results: list[PreviewResult]


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
    MappingPreview | ValidationError | NotFoundError, strawberry.union("PreviewMappingResult")
]


def _payload(row: MappingRow) -> MappingConfigurationPayload:
    return MappingConfigurationPayload(mapping_configuration=MappingConfiguration.from_row(row))


@strawberry.type
class MappingQueries:
    @strawberry.field(description="Your mapping configurations, newest first; `name` filters (exact).")
    async def mapping_configurations(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        name: str | None = None,
    ) -> Page[MappingConfiguration]:
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), filters(name=name))
        return Page.of(rows, MappingConfiguration.from_row)

    @strawberry.field(description="One mapping configuration; null when your tenant has none with this id.")
    async def mapping_configuration(self, info: Info, id: strawberry.ID) -> MappingConfiguration | None:
        row = await or_none(service.get(info.context.ctx, id))
        return MappingConfiguration.from_row(row) if row else None

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
        answer = await service.preview(info.context.ctx, records, mapping_id=mapping_id, document=document)
        return MappingPreview(results=[PreviewResult.from_dict(r) for r in answer["results"]])


@strawberry.type
class MappingMutations:
    @strawberry.mutation(description="A new mapping configuration (REST's POST).")
    async def create_mapping_configuration(
        self, info: Info, input: MappingConfigurationInput
    ) -> CreateResult:
        return _payload(await service.create(info.context.ctx, to_body(input)))

    @strawberry.mutation(description="Replaces the whole mapping configuration (REST's PUT).")
    async def replace_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: MappingConfigurationInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, to_body(input), expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: MappingConfigurationPatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, to_body(patch), expected_version))

    @strawberry.mutation(description="Deletes it; a ConflictError names the instances still using it.")
    async def delete_mapping_configuration(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
