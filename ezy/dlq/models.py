from __future__ import annotations

from tortoise import fields

from ezy.base_model import TenantOwned


class DeadLetter(TenantOwned):
    """A failed record with the payload as it entered the failing stage."""

    instance_id = fields.UUIDField()
    sync_log_id = fields.UUIDField()
    stage = fields.CharField(max_length=16)
    code = fields.CharField(max_length=64)
    message = fields.TextField()
    entity_key = fields.CharField(max_length=500, null=True)
    payload: object = fields.JSONField(null=True)
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=1)
    history: list = fields.JSONField(default=list)
    resolved_by_sync_log_id = fields.UUIDField(null=True)
    # Set when a replay claims the message (status "replaying"): the replay run picks its
    # messages by this id, and the stage it re-enters at (normalize for an edited payload).
    replay_sync_log_id = fields.UUIDField(null=True, db_index=True)
    replay_stage = fields.CharField(max_length=16, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dead_letters"
        indexes = (
            ("tenant_id", "created_at"),
            ("tenant_id", "status", "created_at"),
            ("tenant_id", "instance_id", "status"),
            ("tenant_id", "stage", "code"),
        )
