"""Webhook endpoints (configuration; the secret is write-only, shown once at create) and their deliveries."""

from __future__ import annotations

import inspect
from typing import Any

import strawberry

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
from schema.common import (
    Page,
    PageArg,
    PageSizeArg,
    as_view,
    contract_input,
    contract_type,
    or_none,
    page_request,
)
from schema.context import Info
from schema.crud import Crud, crud_mutations, crud_queries
from schema.instances import Instance, instance_by_id

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
        return await instance_by_id(info, self.instance_id)


contract_type(WebhookEndpoint, "WebhookEndpoint")


@strawberry.type(description="The new endpoint; `secret` is shown this once.")
class CreateWebhookEndpointPayload:
    webhook_endpoint: WebhookEndpoint
    secret: str


def _created(new: service.NewEndpoint) -> CreateWebhookEndpointPayload:
    endpoint = as_view(WebhookEndpoint, new.endpoint)
    return CreateWebhookEndpointPayload(webhook_endpoint=endpoint, secret=new.secret)


ENDPOINTS = Crud(
    "WebhookEndpoint",
    "webhook endpoint",
    WebhookEndpoint,
    WebhookEndpointInput,
    WebhookEndpointPatch,
    WebhookEndpointFilter,
    service,  # a module satisfies the protocol
    named=False,
    referenced=False,
    created=(CreateWebhookEndpointPayload, _created),
)
WebhookEndpointQueries = crud_queries(ENDPOINTS, "webhook_endpoints")
WebhookMutations = crud_mutations(ENDPOINTS)


@strawberry.type
class WebhookQueries(WebhookEndpointQueries):  # type: ignore[misc,valid-type]
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
        return Page.of(rows, _delivery) if rows is not None else None


def _delivery(row: Any) -> WebhookDeliveryView:
    return as_view(WebhookDeliveryView, row)
