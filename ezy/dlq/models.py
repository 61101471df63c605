from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from ezy.base_model import TenantOwned
from ezy.jsonfield import JSONField

# Failures at these stages come with the mapped record; a legacy row stored only that.
MAPPED_STAGES = ("validate", "load")


class DeadLetterStatus(StrEnum):
    """Only `pending` messages can be replayed or discarded."""

    PENDING = "pending"
    REPLAYING = "replaying"
    RESOLVED = "resolved"
    DISCARDED = "discarded"


class DeadLetter(TenantOwned):
    """A failed record: its source record (as it entered normalize, whatever stage failed) and,
    for validate and load failures, the mapped record (for display; replays never use it).

    Legacy rows, stored before sources were kept, have a validate or load `stage`, no `payload` and
    their stored record in `mapped_payload` (migration 1): `has_source` is False for them.
    """

    instance_id = fields.UUIDField()
    sync_log_id = fields.UUIDField()
    stage = fields.CharField(max_length=16)
    code = fields.CharField(max_length=64)
    message = fields.TextField()
    entity_key = fields.CharField(max_length=500, null=True)
    payload: object = JSONField(null=True)
    mapped_payload: object = JSONField(null=True)
    status = fields.CharEnumField(DeadLetterStatus, max_length=16, default=DeadLetterStatus.PENDING)
    attempts = fields.IntField(default=1)
    history: list = JSONField(default=list)
    resolved_by_sync_log_id = fields.UUIDField(null=True)
    # Set when a replay claims the message (status "replaying"): the replay run picks its
    # messages by this id.
    replay_sync_log_id = fields.UUIDField(null=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dead_letters"
        indexes = (
            ("tenant_id", "created_at"),
            ("tenant_id", "status", "created_at"),
            ("tenant_id", "instance_id", "status"),
            ("tenant_id", "stage", "code"),
        )

    @property
    def has_source(self) -> bool:
        return self.payload is not None or self.stage not in MAPPED_STAGES
