from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ezy.contract import parse, parse_query, wire
from ezy.dlq import service
from ezy.dlq.contracts import (
    BulkActionInput,
    BulkAnswer,
    DeadLetterFilter,
    DeadLetterListFilter,
    DeadLetterView,
    ReplayAccepted,
    ReplayInput,
)
from ezy.rest.http import json_object, ok, page_request, query_filters, tenant_of
from ezy.runs import service as runs

COMPONENTS: dict[str, type[BaseModel]] = {
    "DeadLetter": DeadLetterView,
    "DeadLetterReplay": ReplayInput,
    "DeadLetterBulk": BulkActionInput,
    "DeadLetterFilter": DeadLetterFilter,
    "ReplayAccepted": ReplayAccepted,
    "BulkAccepted": BulkAnswer,
}


async def list_letters(request: Request) -> Response:
    where = parse_query(DeadLetterListFilter, query_filters(request))
    page = await service.list_page(tenant_of(request), page_request(request), where)
    return ok(page.as_dict(lambda letter: wire(service.summary(letter))))


async def get_letter(request: Request) -> Response:
    return ok(wire(service.view(await service.get(tenant_of(request), request.path_params["id"]))))


async def replay_one(request: Request) -> Response:
    ctx, body = tenant_of(request), await json_object(request, allow_empty=True)
    replay = parse(ReplayInput, body)
    letter_id = request.path_params["id"]
    key = request.headers.get("idempotency-key")
    answer, _ = await runs.start_once(
        ctx, runs.replay_scope(letter_id), key, body, lambda: service.replay_one(ctx, letter_id, replay)
    )
    return ok(answer, status=202, location=f"/api/v1/sync-events/{answer['correlationId']}")


async def discard_one(request: Request) -> Response:
    await json_object(request, allow_empty=True)
    letter = await service.discard_one(tenant_of(request), request.path_params["id"])
    return ok(wire(service.view(letter)))


async def replay_many(request: Request) -> Response:
    selection = parse(BulkActionInput, await json_object(request))
    count = await service.replay_many(tenant_of(request), selection)
    return ok(wire(BulkAnswer(count=count)), status=202)


async def discard_many(request: Request) -> Response:
    selection = parse(BulkActionInput, await json_object(request))
    count = await service.discard_many(tenant_of(request), selection)
    return ok(wire(BulkAnswer(count=count)), status=202)


routes = [
    Route("/dlq", list_letters, methods=["GET"]),
    Route("/dlq/replay", replay_many, methods=["POST"]),
    Route("/dlq/discard", discard_many, methods=["POST"]),
    Route("/dlq/{id}", get_letter, methods=["GET"]),
    Route("/dlq/{id}/replay", replay_one, methods=["POST"]),
    Route("/dlq/{id}/discard", discard_one, methods=["POST"]),
]
