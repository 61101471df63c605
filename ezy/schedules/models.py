from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from ezy.base_model import VersionedConfig

if TYPE_CHECKING:
    from ezy.instances.models import Instance


class OverlapPolicy(StrEnum):
    """What a due run does while the previous one still runs."""

    SKIP = "skip"
    QUEUE = "queue"


class Schedule(VersionedConfig):
    instance: fields.ForeignKeyRelation[Instance] = fields.ForeignKeyField(
        "models.Instance", related_name="schedules", on_delete=fields.RESTRICT
    )
    instance_id: uuid.UUID  # added by Tortoise at runtime
    cron = fields.CharField(max_length=120)
    timezone = fields.CharField(max_length=64, default="UTC")
    enabled = fields.BooleanField(default=True)
    # The same varchar(16) as before the enum: no migration.
    overlap_policy = fields.CharEnumField(OverlapPolicy, max_length=16, default=OverlapPolicy.SKIP)
    # The scheduler claims due rows by next_run_at; the index keeps that scan cheap.
    next_run_at = fields.DatetimeField(null=True, db_index=True)
    last_run_at = fields.DatetimeField(null=True)

    class Meta:
        table = "schedules"
        indexes = (("tenant_id", "created_at"), ("enabled", "next_run_at"))
