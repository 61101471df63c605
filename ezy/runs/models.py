from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from ezy.base_model import TenantOwned
from ezy.jsonfield import JSONField
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
    stages: dict = JSONField(default=dict)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    heartbeat_at = fields.DatetimeField(null=True)
    attempt = fields.IntField(default=0)
    error = fields.TextField(null=True)
    # How this run met another run of its instance: "waited" (queued behind it) or "skipped".
    overlap = fields.CharField(max_length=16, null=True)
    # What the run was asked to do beyond the instance (replayed dead letters, pushed delivery).
    request: dict = JSONField(default=dict)

    class Meta:
        table = "sync_logs"
        # (tenant_id, created_at, id): the list's order (`created_at DESC, id DESC`).
        indexes = (
            ("tenant_id", "created_at", "id"),
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
    details: dict = JSONField(default=dict)
    dead_letter_id = fields.UUIDField(null=True)

    class Meta:
        table = "entity_errors"
        # (tenant_id, stage, code, created_at): a hot-spot's last error; (tenant_id, created_at): the
        # errors of a range's partial end hours.
        indexes = (
            ("sync_log_id", "created_at"),
            ("tenant_id", "stage", "code", "created_at"),
            ("tenant_id", "created_at"),
        )


class SyncLogHour(Model):
    """How many sync logs a tenant has per hour (`hour`: whole hours since the epoch of `created_at`).

    Kept by database triggers on `sync_logs` (migration 4), in the writing transaction: never
    written by the application. Unfiltered lists take their total and deep pages their start from it.
    """

    id = fields.BigIntField(primary_key=True)
    tenant_id = fields.UUIDField()
    hour = fields.BigIntField()
    n = fields.BigIntField()

    class Meta:
        table = "sync_log_hours"
        unique_together = (("tenant_id", "hour"),)


class EntityErrorHour(Model):
    """How many entity errors a tenant has per hour, stage and code (`hour` as in `SyncLogHour`).

    Kept by database triggers on `entity_errors` (migration 4); error hot-spots sum it.
    """

    id = fields.BigIntField(primary_key=True)
    tenant_id = fields.UUIDField()
    hour = fields.BigIntField()
    stage = fields.CharField(max_length=16)
    code = fields.CharField(max_length=64)
    n = fields.BigIntField()

    class Meta:
        table = "entity_error_hours"
        unique_together = (("tenant_id", "hour", "stage", "code"),)


class RunHour(Model):
    """Runs per tenant, hour (as in `SyncLogHour`), instance and status, with their records and failed
    records summed. Kept by database triggers on `sync_logs` (migration 4); run history sums it.
    """

    id = fields.BigIntField(primary_key=True)
    tenant_id = fields.UUIDField()
    hour = fields.BigIntField()
    instance_id = fields.UUIDField()
    status = fields.CharField(max_length=16)
    n = fields.BigIntField()
    records = fields.BigIntField()
    failed = fields.BigIntField()

    class Meta:
        table = "run_hours"
        unique_together = (("tenant_id", "hour", "instance_id", "status"),)
