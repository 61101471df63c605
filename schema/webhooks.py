"""Webhook endpoints (configuration; the secret is write-only, shown once at create) and their deliveries."""

from __future__ import annotations

import inspect
from typing import Annotated

import strawberry

from ezy.contract import parse_query
from ezy.pagination import DEFAULT_PAGE_SIZE
from ezy.webhooks import service
from ezy.webhooks.contracts import (
    WebhookDeliveryFilter,
    WebhookDeliveryView,
    WebhookEndpointFilter,
    WebhookEndpointInput,
    WebhookEndpointPatch,
    WebhookEndpointView,
)
from ezy.webhooks.models import DeliveryStatus, WebhookProvider
from ezy.webhooks.models import WebhookEndpoint as EndpointRow
from schema.common import (
    Deleted,
    Page,
    PageArg,
    PageSizeArg,
    VersionArg,
    contract_input,
    contract_type,
    or_none,
    page_request,
)
from schema.context import Info
from schema.errors import NotFoundError, ValidationError, VersionMismatchError
from schema.instances import Instance

strawberry.enum(WebhookProvider, description="How deliveries are authenticated and routed.")
strawberry.enum(
    DeliveryStatus, name="WebhookDeliveryStatus", description=inspect.cleandoc(DeliveryStatus.__doc__ or "")
)
contract_type(WebhookDeliveryView, "WebhookDelivery")
contract_input(WebhookEndpointInput, "WebhookEndpointInput")
contract_input(WebhookEndpointPatch, "WebhookEndpointPatch")


class WebhookEndpoint(WebhookEndpointView):
    """Where a provider sends webhooks for an instance; the secret is never answered."""

    @strawberry.pydantic.field
    async def instance(self, info: Info) -> Instance:
        row = await info.context.loaders.instance.load(self.instance_id)
        assert row is not None, "an instance with endpoints cannot be deleted"
        return Instance.from_row(row)


contract_type(WebhookEndpoint, "WebhookEndpoint")


def endpoint_of(row: EndpointRow) -> WebhookEndpoint:
    return service.view(row, WebhookEndpoint)


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
    return WebhookEndpointPayload(webhook_endpoint=endpoint_of(row))


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
        given = {"instanceId": instance_id, "provider": provider}
        where = parse_query(WebhookEndpointFilter, {k: v for k, v in given.items() if v is not None})
        rows = await service.list_page(info.context.ctx, page_request(page, page_size), where)
        return Page.of(rows, endpoint_of)

    @strawberry.field(description="One webhook endpoint; null when your tenant has none with this id.")
    async def webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpoint | None:
        row = await or_none(service.get(info.context.ctx, id))
        return endpoint_of(row) if row else None

    @strawberry.field(
        description="An endpoint's deliveries, newest first; null for an endpoint you do not have."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        page: PageArg = 1,
        page_size: PageSizeArg = DEFAULT_PAGE_SIZE,
        status: DeliveryStatus | None = None,
    ) -> Page[WebhookDeliveryView] | None:
        request, where = page_request(page, page_size), WebhookDeliveryFilter(status=status)
        rows = await or_none(service.list_deliveries(info.context.ctx, endpoint_id, request, where))
        return Page.of(rows, service.delivery_view) if rows is not None else None


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="A new endpoint (REST's POST); the payload shows its secret once.")
    async def create_webhook_endpoint(self, info: Info, input: WebhookEndpointInput) -> CreateResult:
        created = await service.create(info.context.ctx, input)
        return CreateWebhookEndpointPayload(
            webhook_endpoint=endpoint_of(created.endpoint), secret=created.secret
        )

    @strawberry.mutation(description="Replaces the whole endpoint (REST's PUT); an omitted secret is kept.")
    async def replace_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, input: WebhookEndpointInput
    ) -> WriteResult:
        return _payload(await service.replace(info.context.ctx, id, input, expected_version))

    @strawberry.mutation(description="Changes the given fields (REST's PATCH, JSON Merge Patch).")
    async def update_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg, patch: WebhookEndpointPatch
    ) -> WriteResult:
        return _payload(await service.patch(info.context.ctx, id, patch, expected_version))

    @strawberry.mutation(description="Deletes the endpoint and its deliveries.")
    async def delete_webhook_endpoint(
        self, info: Info, id: strawberry.ID, expected_version: VersionArg
    ) -> DeleteResult:
        await service.delete(info.context.ctx, id, expected_version)
        return Deleted(id=id)
