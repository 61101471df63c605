from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from ezy.base_model import VersionedConfig
from ezy.jsonfield import JSONField

if TYPE_CHECKING:
    from ezy.connections.models import ConnectionProfile
    from ezy.mappings.models import MappingConfiguration


class InstanceStatus(StrEnum):
    """An inactive instance runs nothing; it changes only by activate/deactivate."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Instance(VersionedConfig):
    name = fields.CharField(max_length=200)
    # RESTRICT: a profile or mapping still used by an instance cannot be deleted (409 at the API).
    source_profile: fields.ForeignKeyRelation[ConnectionProfile] = fields.ForeignKeyField(
        "models.ConnectionProfile", related_name="source_of", on_delete=fields.RESTRICT
    )
    target_profile: fields.ForeignKeyRelation[ConnectionProfile] = fields.ForeignKeyField(
        "models.ConnectionProfile", related_name="target_of", on_delete=fields.RESTRICT
    )
    mapping: fields.ForeignKeyRelation[MappingConfiguration] = fields.ForeignKeyField(
        "models.MappingConfiguration", related_name="instances", on_delete=fields.RESTRICT
    )
    # The `<relation>_id` columns Tortoise adds at runtime, declared for the type checker.
    source_profile_id: uuid.UUID
    target_profile_id: uuid.UUID
    mapping_id: uuid.UUID
    options: dict = JSONField(default=dict)
    # The same varchar(16) as before the enum: no migration.
    status = fields.CharEnumField(InstanceStatus, max_length=16, default=InstanceStatus.INACTIVE)
    # Incremental cursor: moved only by the runner's checkpoint, never by a config write.
    cursor = fields.TextField(null=True)
    cursor_updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "instances"
        unique_together = (("tenant_id", "name"),)
        indexes = (("tenant_id", "created_at"), ("tenant_id", "status"))
