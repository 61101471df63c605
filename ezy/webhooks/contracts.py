"""Webhook endpoints and their deliveries as clients write and read them (REST, GraphQL, OpenAPI).

The endpoint's `secret` is write-only: inputs carry it, the create answer shows it that once
(`WebhookEndpointWithSecret`), no other answer names it.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, StrictBool

from ezy.contract import Contract, Filter, ResourceView, Timestamp, View
from ezy.webhooks.models import DeliveryStatus, WebhookProvider

MAX_TOPICS = 100
TOPIC_MAX = 120
SECRET_MAX = 500


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a topic is a non-empty string of at most 120 characters")
    return value


Topic = Annotated[str, Field(min_length=1, max_length=TOPIC_MAX), AfterValidator(_not_blank)]
SECRET_DOC = (
    "Write-only. Shopify: the app's client secret. Generic: `whsec_` + base64 of 24 to 64 bytes; "
    "generated when absent. On replace and patch an omitted or null secret keeps the stored one."
)


class WebhookEndpointInput(Contract):
    """A whole endpoint (create, replace); a generic secret is generated when absent."""

    instance_id: UUID
    provider: WebhookProvider
    secret: str | None = Field(default=None, max_length=SECRET_MAX, description=SECRET_DOC)
    topics: list[Topic] | None = Field(
        default=None, max_length=MAX_TOPICS, description="Shopify topics routed to the instance."
    )
    enabled: StrictBool | None = Field(default=None, description="true when omitted.")


class WebhookEndpointPatch(Contract):
    """A JSON Merge Patch of an endpoint: omitted fields (and the secret) stay."""

    instance_id: UUID | None = None
    provider: WebhookProvider | None = None
    secret: str | None = Field(default=None, max_length=SECRET_MAX, description=SECRET_DOC)
    topics: list[Topic] | None = Field(default=None, max_length=MAX_TOPICS)
    enabled: StrictBool | None = None


class WebhookEndpointView(ResourceView):
    """Where a provider sends webhooks for an instance; the secret is never answered."""

    instance_id: UUID
    provider: WebhookProvider
    topics: list[str]
    enabled: bool
    url: str = Field(description="The receiver's path, to give the provider: `/api/v1/webhooks/{id}`.")


class WebhookEndpointWithSecret(WebhookEndpointView):
    """The new endpoint, with its secret (generated or given), shown this once."""

    secret: str = Field(description="Generated or given; shown this once.")


class WebhookEndpointFilter(Filter):
    instance_id: UUID | None = None
    provider: WebhookProvider | None = None


class WebhookDeliveryView(View):
    """One webhook the receiver got, stored before it answered."""

    id: UUID
    received_at: Timestamp
    topic: str | None
    external_id: str | None
    status: DeliveryStatus
    sync_log_id: UUID | None = Field(description="The run that took it, once one has.")
    processed_at: Timestamp | None
    error: str | None
    resolved_by_sync_log_id: UUID | None = Field(
        description="The replay that resolved the last of the records its run had failed."
    )


class WebhookDeliveryFilter(Filter):
    status: DeliveryStatus | None = None


class WebhookAccepted(View):
    """A generic delivery, stored to be processed."""

    message_id: UUID
