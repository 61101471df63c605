from __future__ import annotations

from tortoise import fields

from ezy.base_model import VersionedConfig
from ezy.connectors.base import ConnectorKind
from ezy.jsonfield import JSONField


class ConnectionProfile(VersionedConfig):
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(ConnectorKind, max_length=32)
    config: dict = JSONField(default=dict)
    # Fernet token of the JSON secrets object; never leaves the service layer decrypted.
    secrets_encrypted = fields.TextField(default="")
    secret_keys: list = JSONField(default=list)

    class Meta:
        table = "connection_profiles"
        unique_together = (("tenant_id", "name"),)
        indexes = (("tenant_id", "created_at"), ("tenant_id", "kind"))
