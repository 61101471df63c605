"""Mapping configurations: `{name, document}`, the document checked by the published JSON Schema
and by compiling every expression, so a syntax error is a 422 at save time, not a failed run.

Preview runs normalize -> transform -> validate on at most MAX_PREVIEW_RECORDS records, with no side
effects, for a saved mapping (`mapping_id`) or an unsaved `document`, off the event loop and within
the expression budget: an expression out of budget is a 422 at its place in the document.
"""

from __future__ import annotations

from typing import Any

from ezy.audit.hooks import audited, changed, deleted
from ezy.context import TenantContext
from ezy.errors import FieldError, ValidationFailed, invalid
from ezy.expressions import run_off_loop
from ezy.filters import parse_filters
from ezy.instances.models import Instance
from ezy.mappings.document import validate_mapping_document
from ezy.mappings.models import MappingConfiguration
from ezy.mergepatch import merge_patch
from ezy.pagination import Page, PageRequest, paginate
from ezy.pipeline.preview import PreviewOutOfBudget
from ezy.pipeline.preview import preview as run_preview
from ezy.scoping import get_scoped, scoped
from ezy.timefmt import rfc3339
from ezy.validation import check_fields, required_str
from ezy.versioning import (
    check_version,
    conflict_if_referenced,
    delete_versioned,
    ensure_unique_name,
    integrity_conflict,
    update_versioned,
)

LABEL = "mapping configuration"
FIELDS = {"name", "document"}
MAX_PREVIEW_RECORDS = 100


def check_document(document: Any, base: str = "/document") -> dict[str, Any]:
    """The document if valid; else a 422 listing every problem, pointers prefixed with `base`."""
    if document is None:
        raise invalid(base, "document is required")
    errors = validate_mapping_document(document)
    if errors:
        raise ValidationFailed(
            "the mapping document is not valid",
            errors=[FieldError(base + e.pointer, e.message) for e in errors],
        )
    assert isinstance(document, dict)
    return document


def _parse(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    check_fields(body, FIELDS)
    return required_str(body, "name"), check_document(body.get("document"))


@audited("mappingConfiguration.create")
async def create(ctx: TenantContext, body: dict[str, Any]) -> MappingConfiguration:
    name, document = _parse(body)
    await ensure_unique_name(MappingConfiguration, ctx, name, label=LABEL)
    with integrity_conflict(f"a {LABEL} named {name!r} already exists"):
        return await MappingConfiguration.create(tenant_id=ctx.tenant_id, name=name, document=document)


async def get(ctx: TenantContext, id: object) -> MappingConfiguration:
    return await get_scoped(MappingConfiguration, ctx, id, label=LABEL)


async def list_page(
    ctx: TenantContext, page: PageRequest, filters: dict[str, str]
) -> Page[MappingConfiguration]:
    where = parse_filters(filters, {"name": ("name", str)})
    return await paginate(scoped(MappingConfiguration, ctx).filter(**where), page)


@audited("mappingConfiguration.update", changed)
async def replace(
    ctx: TenantContext, id: object, body: dict[str, Any], expected_version: int
) -> MappingConfiguration:
    row = await get(ctx, id)
    check_version(row, expected_version)
    return await _write(ctx, row, body, expected_version)


@audited("mappingConfiguration.update", changed)
async def patch(
    ctx: TenantContext, id: object, patch: dict[str, Any], expected_version: int
) -> MappingConfiguration:
    row = await get(ctx, id)
    check_version(row, expected_version)
    merged = merge_patch({"name": row.name, "document": row.document}, patch)
    return await _write(ctx, row, merged, expected_version)


async def _write(
    ctx: TenantContext, row: MappingConfiguration, body: dict[str, Any], version: int
) -> MappingConfiguration:
    name, document = _parse(body)
    await ensure_unique_name(MappingConfiguration, ctx, name, label=LABEL, exclude_id=row.id)
    values = {"name": name, "document": document}
    return await update_versioned(MappingConfiguration, ctx, row.id, version, values, label=LABEL)


@audited("mappingConfiguration.delete", deleted)
async def delete(ctx: TenantContext, id: object, expected_version: int) -> None:
    row = await get(ctx, id)
    check_version(row, expected_version)
    ids = await scoped(Instance, ctx).filter(mapping_id=row.id).limit(100).values_list("id", flat=True)
    conflict_if_referenced(LABEL, {"instances": [str(i) for i in ids]})
    await delete_versioned(MappingConfiguration, ctx, row.id, expected_version, label=LABEL)


async def preview(
    ctx: TenantContext, records: Any, *, mapping_id: object = None, document: Any = None
) -> dict[str, Any]:
    """`{results: [...]}` per api.md's Preview shape, one result per record, in order."""
    if not isinstance(records, list):
        raise invalid("/records", "records must be an array")
    if len(records) > MAX_PREVIEW_RECORDS:
        raise invalid("/records", f"at most {MAX_PREVIEW_RECORDS} records per preview")
    if mapping_id is not None:
        document = (await get(ctx, mapping_id)).document
    else:
        document = check_document(document)
    try:
        results = await run_off_loop(run_preview, document, records)
    except PreviewOutOfBudget as exc:
        raise invalid("/document" + exc.pointer, str(exc)) from None
    return {"results": results}


def view(row: MappingConfiguration) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "document": row.document,
        "version": row.version,
        "createdAt": rfc3339(row.created_at),
        "updatedAt": rfc3339(row.updated_at),
    }
