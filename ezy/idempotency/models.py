from __future__ import annotations

from tortoise import fields

from ezy.base_model import TenantOwned
from ezy.jsonfield import JSONField


class IdempotencyRecord(TenantOwned):
    """The first answer to a request with an `Idempotency-Key`, replayed for 24 h."""

    scope = fields.CharField(max_length=200)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    status_code = fields.IntField()
    response: object = JSONField(null=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("tenant_id", "scope", "key"),)
