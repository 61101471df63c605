from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from ezy.base_model import TenantOwned
from ezy.jsonfield import JSONField


class AuditActorType(StrEnum):
    """`apiKey`: a request with a key; `cli`: an `ezy` command; `system`: the app."""

    API_KEY = "apiKey"
    CLI = "cli"
    SYSTEM = "system"


class AuditEntry(TenantOwned):
    """One configuration, key or DLQ action: who (`actor_*`), what (`action`, resource), when (`created_at`).

    Append-only. `details` is small and never holds a secret value or a record payload.
    """

    actor_type = fields.CharEnumField(AuditActorType, max_length=16)
    actor_key_id = fields.UUIDField(null=True)
    actor_key_prefix = fields.CharField(max_length=40, null=True)
    action = fields.CharField(max_length=64)
    resource_type = fields.CharField(max_length=64)
    resource_id = fields.CharField(max_length=64, null=True)
    details: dict = JSONField(default=dict)

    class Meta:
        table = "audit_log"
        indexes = (
            ("tenant_id", "created_at"),
            ("tenant_id", "action", "created_at"),
            ("tenant_id", "resource_type", "resource_id"),
        )
