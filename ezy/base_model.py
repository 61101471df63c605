"""Abstract bases shared by every table: UUID ids, tenant ownership, timestamps, versions."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model


class TenantOwned(Model):
    """Every row belongs to a tenant; scoping goes through `ezy.scoping`, never an inline filter."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    tenant_id = fields.UUIDField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        abstract = True


class VersionedConfig(TenantOwned):
    """Configuration rows carry a version: it is the ETag (REST) and `version` (GraphQL)."""

    version = fields.IntField(default=1)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
