from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from ezy.base_model import TenantOwned


class Tenant(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tenants"


class ApiKey(TenantOwned):
    """A key is `ezy_<prefix>_<secret>`; only the prefix and a SHA-256 of the whole key are stored.

    Rotation keeps the row (same id) and moves the old prefix/hash to `previous_*` until
    `previous_valid_until`, so clients can roll over during a grace period.
    """

    name = fields.CharField(max_length=200)
    prefix = fields.CharField(max_length=32, unique=True)
    key_hash = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    previous_prefix = fields.CharField(max_length=32, null=True, unique=True)
    previous_key_hash = fields.CharField(max_length=64, null=True)
    previous_valid_until = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
        indexes = (("tenant_id", "created_at"),)
