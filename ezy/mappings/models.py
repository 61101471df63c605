from __future__ import annotations

from tortoise import fields

from ezy.base_model import VersionedConfig
from ezy.jsonfield import JSONField


class MappingConfiguration(VersionedConfig):
    name = fields.CharField(max_length=200)
    document: dict = JSONField(default=dict)

    class Meta:
        table = "mapping_configurations"
        unique_together = (("tenant_id", "name"),)
        indexes = (("tenant_id", "created_at"),)
