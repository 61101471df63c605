"""`POST /api/v1/webhooks/{endpointId}`: public (the receiver authenticates the sender itself)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.rest.http import ok
from ezy.webhooks import receiver


async def receive(request: Request) -> Response:
    body = await request.body()
    received = await receiver.receive(request.path_params["endpointId"], body, request.headers)
    if received.provider == "shopify":
        return Response(status_code=200)  # Shopify reads only the status
    return ok({"messageId": str(received.delivery_id)}, status=202)


routes = [Route("/webhooks/{endpointId}", receive, methods=["POST"])]
