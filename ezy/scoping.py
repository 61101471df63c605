"""Tenant scoping in one place: every service reads rows through these helpers."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from ezy.context import TenantContext
from ezy.errors import NotFound

M = TypeVar("M", bound=Model)


def parse_id(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def scoped(model: type[M], ctx: TenantContext) -> QuerySet[M]:
    return model.filter(tenant_id=ctx.tenant_id)


async def get_scoped(model: type[M], ctx: TenantContext, id_: Any, *, label: str | None = None) -> M:
    """The row with this id in the caller's tenant; another tenant's id is indistinguishable from none."""
    parsed = parse_id(id_)
    row = await scoped(model, ctx).get_or_none(id=parsed) if parsed else None
    if row is None:
        raise NotFound(f"{label or model.__name__} {id_} not found")
    return row


async def exists_scoped(model: type[Model], ctx: TenantContext, id_: Any) -> bool:
    parsed = parse_id(id_)
    return parsed is not None and await scoped(model, ctx).filter(id=parsed).exists()
