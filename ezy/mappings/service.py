"""Mapping configurations: `{name, document}`, the document checked by the published JSON Schema
and by compiling every expression, so a syntax error is a 422 at save time, not a failed run.

Preview runs normalize -> transform -> validate on at most MAX_PREVIEW_RECORDS records (see the
contracts), with no side effects, for a saved mapping or an unsaved document, off the event loop and
within the expression budget: an expression out of budget is a 422 at its place in the document.
Each call path compiles the document once (`_compiled`) and hands the compiled mapping along.
"""

from __future__ import annotations

from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.context import TenantContext
from ezy.contract import columns_of, patched
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.expressions import run_off_loop
from ezy.instances.models import Instance
from ezy.mappings.contracts import (
    MappingConfigurationFilter,
    MappingConfigurationInput,
    MappingConfigurationPatch,
    PreviewInput,
    PreviewResult,
    UnsavedPreviewInput,
)
from ezy.mappings.models import MappingConfiguration
from ezy.pagination import Page, PageRequest, paginate
from ezy.pipeline.mapping import MappingDocument, MappingDocumentError, compile_mapping
from ezy.pipeline.preview import PreviewOutOfBudget
from ezy.pipeline.preview import preview as run_preview
from ezy.scoping import get_scoped, scoped
from ezy.versioning import (
    check_version,
    conflict_if_referenced,
    delete_versioned,
    ensure_unique_name,
    integrity_conflict,
    update_versioned,
)

LABEL = "mapping configuration"


def _compiled(document: dict[str, Any], base: str = "/document") -> MappingDocument:
    """The document checked and compiled (once); else a 422 listing every problem under `base`."""
    try:
        return compile_mapping(document)
    except MappingDocumentError as exc:
        errors = [FieldError(base + e.pointer, e.message) for e in exc.errors]
        raise ValidationFailed("the mapping document is not valid", errors=errors) from None


@audited("mappingConfiguration.create")
async def create(ctx: TenantContext, data: MappingConfigurationInput) -> MappingConfiguration:
    _compiled(data.document)
    await ensure_unique_name(MappingConfiguration, ctx, data.name, label=LABEL)
    with integrity_conflict(f"a {LABEL} named {data.name!r} already exists"):
        return await MappingConfiguration.create(tenant_id=ctx.tenant_id, **columns_of(data))


async def get(ctx: TenantContext, id: object) -> MappingConfiguration:
    return await get_scoped(MappingConfiguration, ctx, id, label=LABEL)


async def list_page(
    ctx: TenantContext, page: PageRequest, filters: MappingConfigurationFilter
) -> Page[MappingConfiguration]:
    return await paginate(scoped(MappingConfiguration, ctx).filter(**filters.where()), page)


@audited("mappingConfiguration.update", changed)
async def replace(
    ctx: TenantContext, id: object, data: MappingConfigurationInput, expected_version: int
) -> MappingConfiguration:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, data, expected_version)


@audited("mappingConfiguration.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: MappingConfigurationPatch, expected_version: int
) -> MappingConfiguration:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, patched(MappingConfigurationInput, row, patch), expected_version)


async def _write(
    ctx: TenantContext, row: MappingConfiguration, data: MappingConfigurationInput, version: int
) -> MappingConfiguration:
    _compiled(data.document)
    await ensure_unique_name(MappingConfiguration, ctx, data.name, label=LABEL, exclude_id=row.id)
    columns = columns_of(data)
    return await update_versioned(MappingConfiguration, ctx, row.id, version, columns, label=LABEL)


@audited("mappingConfiguration.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    ids = await scoped(Instance, ctx).filter(mapping_id=row.id).limit(100).values_list("id", flat=True)
    conflict_if_referenced(LABEL, {"instances": [str(i) for i in ids]})
    await delete_versioned(MappingConfiguration, ctx, row.id, expected_version, label=LABEL)


async def preview_saved(ctx: TenantContext, id: object, data: PreviewInput) -> PreviewResult:
    """The records through the saved mapping `id`, one result per record, in order."""
    return await _preview(_compiled((await get(ctx, id)).document), data.records)


async def preview_unsaved(ctx: TenantContext, data: UnsavedPreviewInput) -> PreviewResult:
    """The records through a document that is not saved; its problems are 422s under `/document`."""
    return await _preview(_compiled(data.document), data.records)


async def _preview(mapping: MappingDocument, records: list[Any]) -> PreviewResult:
    try:
        results = await run_off_loop(run_preview, mapping, records)
    except PreviewOutOfBudget as exc:
        raise invalid("/document" + exc.pointer, str(exc)) from None
    return PreviewResult.model_validate({"results": results})
