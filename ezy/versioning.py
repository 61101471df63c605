"""Writes of versioned configuration rows: optimistic concurrency, unique names, integrity conflicts.

Every update is one atomic `UPDATE ... WHERE id = ? AND tenant_id = ? AND version = ?` that bumps the
version, so two writers holding the same ETag cannot both win. When nothing matched, the row either
moved on (412 with its current version) or is not the caller's (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from ezy.base_model import VersionedConfig
from ezy.context import TenantContext
from ezy.errors import Conflict, NotFound, VersionMismatch
from ezy.scoping import get_scoped, parse_id, scoped
from ezy.timefmt import utcnow

V = TypeVar("V", bound=VersionedConfig)


async def _stale_or_missing(model: type[V], ctx: TenantContext, id_: Any, label: str) -> Exception:
    row = await scoped(model, ctx).get_or_none(id=id_)
    return VersionMismatch(row.version) if row else NotFound(f"{label} {id_} not found")


def check_version(row: VersionedConfig, expected_version: int) -> None:
    """Fail early (412) before any other check, so a stale client learns that first."""
    if row.version != expected_version:
        raise VersionMismatch(row.version)


async def update_versioned(
    model: type[V], ctx: TenantContext, id_: Any, expected_version: int, values: dict[str, Any], *, label: str
) -> V:
    """Applies `values` if the row is still at `expected_version`; returns the row as stored now."""
    parsed = parse_id(id_)
    if parsed is None:
        raise NotFound(f"{label} {id_} not found")
    with integrity_conflict(f"the {label} conflicts with another one (is the name taken?)"):
        changed = await (
            scoped(model, ctx)
            .filter(id=parsed, version=expected_version)
            .update(**values, version=F("version") + 1, updated_at=utcnow())
        )
    if not changed:
        raise await _stale_or_missing(model, ctx, parsed, label)
    return await get_scoped(model, ctx, parsed, label=label)


async def delete_versioned(
    model: type[V], ctx: TenantContext, id_: Any, expected_version: int, *, label: str
) -> None:
    parsed = parse_id(id_)
    if parsed is None:
        raise NotFound(f"{label} {id_} not found")
    # A reference created between the service's check and this delete trips the RESTRICT key.
    with integrity_conflict(f"the {label} is still referenced"):
        deleted = await scoped(model, ctx).filter(id=parsed, version=expected_version).delete()
    if not deleted:
        raise await _stale_or_missing(model, ctx, parsed, label)


async def ensure_unique_name(
    model: type[V], ctx: TenantContext, name: str, *, label: str, exclude_id: Any = None
) -> None:
    """A clear 409 up front; the unique index still decides a race (see `integrity_conflict`)."""
    query = scoped(model, ctx).filter(name=name)
    if exclude_id is not None:
        query = query.exclude(id=exclude_id)
    if await query.exists():
        raise Conflict(f"a {label} named {name!r} already exists")


def conflict_if_referenced(label: str, referenced_by: dict[str, list[str]]) -> None:
    """409 naming who still uses the row, e.g. `{"referencedBy": {"instances": [...]}}`."""
    users = {kind: ids for kind, ids in referenced_by.items() if ids}
    if users:
        names = ", ".join(f"{len(ids)} {kind}" for kind, ids in users.items())
        raise Conflict(f"the {label} is still used by {names}", extra={"referencedBy": users})


@contextmanager
def integrity_conflict(detail: str) -> Iterator[None]:
    # The driver's message may quote row values; the client gets our sentence only.
    try:
        yield
    except IntegrityError:
        raise Conflict(detail) from None
