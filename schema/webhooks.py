"""Webhook endpoints (configuration; the secret is write-only, shown once at create) and their deliveries."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.webhooks import service
from ezy.webhooks.models import WebhookDelivery as DeliveryRow
from ezy.webhooks.models import WebhookEndpoint as EndpointRow
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    filters,
    or_none,
    page_request,
    to_body,
)
from schema.context import Info
from schema.errors import NotFoundError, ValidationError, VersionMismatchError
from schema.instances import Instance


@strawberry.enum(description="How deliveries are authenticated and routed.")
class WebhookProvider(enum.Enum):
    SHOPIFY = "shopify"
    GENERIC = "generic"


@strawberry.type(description="Where a provider sends webhooks for an instance; the secret is never answered.")
class WebhookEndpoint:
    row: strawberry.Private[EndpointRow]
    id: strawberry.ID
    instance_id: strawberry.ID
    provider: WebhookProvider
    topics: list[str]
    enabled: bool
    url: str = strawberry.field(description="The receiver's path, to give the provider.")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: EndpointRow) -> WebhookEndpoint:
        return cls(
            row=row,
            id=strawberry.ID(str(row.id)),
            instance_id=strawberry.ID(str(row.instance_id)),
            provider=WebhookProvider(row.provider),
            topics=list(row.topics),
            enabled=row.enabled,
            url=str(service.view(row)["url"]),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def instance(self, info: Info) -> Instance:
        row = await info.context.loaders.instance.load(self.row.instance_id)
        assert row is not None, "an instance with endpoints cannot be deleted"
        return Instance.from_row(row)


@strawberry.type(description="One webhook the receiver got, stored before it answered.")
class WebhookDelivery:
    id: strawberry.ID
    received_at: datetime
    topic: str | None
    external_id: str | None
    status: str = strawberry.field(description="accepted, processed, duplicate, skipped or failed.")
    sync_log_id: strawberry.ID | None
    processed_at: datetime | None
    error: str | None
    resolved_by_sync_log_id: strawberry.ID | None = strawberry.field(
        description="The replay that resolved the last of the records its run had failed."
    )

    @classmethod
    def from_row(cls, row: DeliveryRow) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(row.id)),
            received_at=row.received_at,
            topic=row.topic,
            external_id=row.external_id,
            status=row.status,
            sync_log_id=strawberry.ID(str(row.sync_log_id)) if row.sync_log_id else None,
            processed_at=row.processed_at,
            error=row.error,
            resolved_by_sync_log_id=strawberry.ID(str(row.resolved_by_sync_log_id))
            if row.resolved_by_sync_log_id
            else None,
        )


@strawberry.input(
    description="A whole endpoint (create, replace); a generic secret is generated when absent."
)
class WebhookEndpointInput:
    instance_id: strawberry.ID
    provider: WebhookProvider
    secret: str | None = strawberry.UNSET
    topics: list[str] | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET


@strawberry.input(description="A JSON Merge Patch of an endpoint: omitted fields (and the secret) stay.")
class WebhookEndpointPatch:
    instance_id: strawberry.ID | None = strawberry.UNSET
    provider: WebhookProvider | None = strawberry.UNSET
    secret: str | None = strawberry.UNSET
    topics: list[str] | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET


@strawberry.type(description="The new endpoint; `secret` is shown this once.")
class CreateWebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint
    secret: str


@strawberry.type
class WebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint


CreateResult = Annotated[
    CreateWebhookEndpointPayload | ValidationError, strawberry.union("CreateWebhookEndpointResult")
]
WriteResult = Annotated[
    WebhookEndpointPayload | ValidationError | NotFoundError | VersionMismatchError,
    strawberry.union("WriteWebhookEndpointResult"),
]
DeleteResult = Annotated[
    Deleted | NotFoundError | VersionMismatchError, strawberry.union("DeleteWebhookEndpointResult")
]


def _payload(row: EndpointRow) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(webhook_endpoint=WebhookEndpoint.from_row(row))


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Your webhook endpoints, newest first; `instanceId` and `provider` filter.")
    async def webhook_endpoints(
        self,
        info: Info,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        instance_id: strawberry.ID | None = None,
        provider: WebhookProvider | None = None,
    ) -> Page[WebhookEndpoint]:
        where = filters(instance_id=instance_id, provider=provider)
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, WebhookEndpoint.from_row)

    @strawberry.field(description="One webhook endpoint; null when your tenant has none with this id.")
    async def webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpoint | None:
        row = await or_none(service.get(info.context.ctx, id))
        return WebhookEndpoint.from_row(row) if row else None

    @strawberry.field(
        description="An endpoint's deliveries, newest first; null for an endpoint you do not have."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
    ) -> Page[WebhookDelivery] | None:
        request = page_request(page, page_size)
        rows = await or_none(service.list_deliveries(info.context.ctx, endpoint_id, request))
        return Page.of(rows, WebhookDelivery.from_row) if rows is not None else None


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="A new endpoint (REST's POST); the payload shows its secret once.")
    async def create_webhook_endpoint(self, info: Info, input: WebhookEndpointInput) -> CreateResult:
        created = await service.create(info.context.ctx, to_body(input))
        return CreateWebhookEndpointPayload(
            webhook_endpoint=WebhookEndpoint.from_row(created.endpoint), secret=created.secret
        )

    @strawberry.mutation(description="Replaces the whole endpoint (REST's PUT); an omitted secret is kept.")
    async def replace_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: WebhookEndpointInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, to_body(input), expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: WebhookEndpointPatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, to_body(patch), expected_version))

    @strawberry.mutation(description="Deletes the endpoint and its deliveries.")
    async def delete_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
