from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from ezy.base_model import TenantOwned, VersionedConfig
from ezy.jsonfield import JSONField

if TYPE_CHECKING:
    from ezy.instances.models import Instance


class WebhookProvider(StrEnum):
    """How deliveries are authenticated and routed."""

    SHOPIFY = "shopify"
    GENERIC = "generic"


class DeliveryStatus(StrEnum):
    """A delivery's state: `accepted` until a run takes it, then `processed` or `failed`; a repeat is
    `duplicate`; a disabled endpoint, inactive instance or unrouted topic is `skipped`."""

    ACCEPTED = "accepted"
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    FAILED = "failed"


class WebhookEndpoint(VersionedConfig):
    instance: fields.ForeignKeyRelation[Instance] = fields.ForeignKeyField(
        "models.Instance", related_name="webhook_endpoints", on_delete=fields.RESTRICT
    )
    instance_id: uuid.UUID  # added by Tortoise at runtime
    provider = fields.CharEnumField(WebhookProvider, max_length=16)
    secret_encrypted = fields.TextField()
    topics: list = JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    # The secret a PUT/PATCH replaced, still accepted until `previous_secret_valid_until`.
    previous_secret_encrypted = fields.TextField(null=True)
    previous_secret_valid_until = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoints"
        indexes = (("tenant_id", "created_at"),)

    @property
    def url(self) -> str:
        """The receiver's path, to give the provider (answered as the view's `url`)."""
        return f"/api/v1/webhooks/{self.id}"


class WebhookDelivery(TenantOwned):
    """Stored before the receiver answers: the payload survives a Redis or worker crash."""

    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: uuid.UUID  # added by Tortoise at runtime
    received_at = fields.DatetimeField(auto_now_add=True)
    topic = fields.CharField(max_length=120, null=True)
    external_id = fields.CharField(max_length=200, null=True)
    # Set on the first delivery of an external id only: the unique index makes dedup race-free
    # across API processes, while repeats are still recorded (with this left null).
    dedup_key = fields.CharField(max_length=300, null=True, unique=True)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.ACCEPTED)
    payload: object = JSONField(null=True)
    sync_log_id = fields.UUIDField(null=True, db_index=True)  # the run that took it
    processed_at = fields.DatetimeField(null=True)
    error = fields.TextField(null=True)
    # Set when replays resolved every record its run had failed: the replay that resolved the last.
    resolved_by_sync_log_id = fields.UUIDField(null=True)

    class Meta:
        table = "webhook_deliveries"
        indexes = (("endpoint_id", "received_at"), ("endpoint_id", "external_id"), ("status", "received_at"))


class WebhookEntityWatermark(TenantOwned):
    """The newest `updated_at` applied for one entity of an instance (see `ezy.webhooks.watermarks`):
    a delivery older than this is skipped, not loaded."""

    instance: fields.ForeignKeyRelation[Instance] = fields.ForeignKeyField(
        "models.Instance", related_name="webhook_watermarks", on_delete=fields.CASCADE
    )
    instance_id: uuid.UUID  # added by Tortoise at runtime
    entity_key = fields.CharField(max_length=255)  # "<topic's resource>:<id>", e.g. "products:632910392"
    source_updated_at = fields.DatetimeField()  # the entity's own `updated_at`, as the sender stamped it
    delivery_id = fields.UUIDField()  # the delivery that applied it

    class Meta:
        table = "webhook_entity_watermarks"
        unique_together = (("instance_id", "entity_key"),)
