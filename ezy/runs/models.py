from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from ezy.base_model import TenantOwned
from ezy.pipeline.records import Stage as PipelineStage

__all__ = ["EntityError", "PipelineStage", "SyncLog", "SyncStatus", "SyncTrigger"]


class SyncStatus(StrEnum):
    """A run's status; the last four are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SyncTrigger(StrEnum):
    """What started a run (and so where its records come from: `ezy.runs.sources`)."""

    SCHEDULE = "schedule"
    API = "api"
    WEBHOOK = "webhook"
    REPLAY = "replay"


TERMINAL = frozenset({SyncStatus.SUCCEEDED, SyncStatus.PARTIAL, SyncStatus.FAILED, SyncStatus.CANCELLED})


class SyncLog(TenantOwned):
    """One run. `instance_id` is a plain column so run history outlives a deleted instance."""

    instance_id = fields.UUIDField(db_index=True)
    correlation_id = fields.UUIDField(unique=True)
    # CharEnumField: the same varchar(16) columns as before, read back as the enums.
    trigger = fields.CharEnumField(SyncTrigger, max_length=16)
    status = fields.CharEnumField(SyncStatus, max_length=16, default=SyncStatus.QUEUED)
    total = fields.IntField(default=0)
    success = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    stages: dict = fields.JSONField(default=dict)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    heartbeat_at = fields.DatetimeField(null=True)
    attempt = fields.IntField(default=0)
    error = fields.TextField(null=True)
    # How this run met another run of its instance: "waited" (queued behind it) or "skipped".
    overlap = fields.CharField(max_length=16, null=True)
    # What the run was asked to do beyond the instance (replayed dead letters, pushed delivery).
    request: dict = fields.JSONField(default=dict)

    class Meta:
        table = "sync_logs"
        indexes = (
            ("tenant_id", "created_at"),
            ("tenant_id", "instance_id", "created_at"),
            ("tenant_id", "status"),
            ("tenant_id", "trigger"),
            ("status", "heartbeat_at"),
        )

    @property
    def counts(self) -> dict[str, int]:
        """The run's record counts as one object (what views answer)."""
        return {"total": self.total, "success": self.success, "failed": self.failed, "skipped": self.skipped}


class EntityError(TenantOwned):
    sync_log: fields.ForeignKeyRelation[SyncLog] = fields.ForeignKeyField(
        "models.SyncLog", related_name="entity_errors", on_delete=fields.CASCADE
    )
    sync_log_id: uuid.UUID  # added by Tortoise at runtime
    entity_key = fields.CharField(max_length=500, null=True)
    stage = fields.CharEnumField(PipelineStage, max_length=16)
    code = fields.CharField(max_length=64)
    message = fields.TextField()
    details: dict = fields.JSONField(default=dict)
    dead_letter_id = fields.UUIDField(null=True)

    class Meta:
        table = "entity_errors"
        indexes = (("sync_log_id", "created_at"), ("tenant_id", "stage", "code"))
