from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.dlq import service
from ezy.rest.http import json_object, ok, page_request, query_filters, tenant_of
from ezy.runs import service as runs


async def list_letters(request: Request) -> Response:
    page = await service.list_page(tenant_of(request), page_request(request), query_filters(request))
    return ok(page.as_dict(lambda letter: service.view(letter, full=False)))


async def get_letter(request: Request) -> Response:
    return ok(service.view(await service.get(tenant_of(request), request.path_params["id"])))


async def replay_one(request: Request) -> Response:
    ctx, body = tenant_of(request), await json_object(request, allow_empty=True)
    letter_id = request.path_params["id"]
    key = request.headers.get("idempotency-key")
    answer, _ = await runs.start_once(
        ctx, runs.replay_scope(letter_id), key, body, lambda: service.replay_one(ctx, letter_id, body)
    )
    return ok(answer, status=202, location=f"/api/v1/sync-events/{answer['correlationId']}")


async def discard_one(request: Request) -> Response:
    await json_object(request, allow_empty=True)
    return ok(service.view(await service.discard_one(tenant_of(request), request.path_params["id"])))


async def replay_many(request: Request) -> Response:
    count = await service.replay_many(tenant_of(request), await json_object(request))
    return ok({"count": count}, status=202)


async def discard_many(request: Request) -> Response:
    count = await service.discard_many(tenant_of(request), await json_object(request))
    return ok({"count": count}, status=202)


routes = [
    Route("/dlq", list_letters, methods=["GET"]),
    Route("/dlq/replay", replay_many, methods=["POST"]),
    Route("/dlq/discard", discard_many, methods=["POST"]),
    Route("/dlq/{id}", get_letter, methods=["GET"]),
    Route("/dlq/{id}/replay", replay_one, methods=["POST"]),
    Route("/dlq/{id}/discard", discard_one, methods=["POST"]),
]
