"""End to end through the API: a tenant's `http` profile, its connection test, and runs that read from
and write to the fake REST API, with exact counts; bad remote input ends a run clearly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ezy.runs.models import EntityError
from tests import resources as r
from tests.conftest import TestTenant
from tests.connectors.http_helpers import bearer_profile
from tests.fakes.rest_api import Fault, RestApi
from tests.runs.conftest import Drain

PROFILES = f"{r.API}/connection-profiles"
# No waiting between attempts: a failing run must fail now, not be retried in five seconds.
OPTIONS = {"maxRetries": 0, "batchRetries": 2, "batchRetryDelaySeconds": 0.01}
READ_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "page/products", "batchSize": 10},
    "transform": {"key": "sku", "fields": {"sku": "sku", "title": "title", "price": "price"}},
    "validate": {"required": ["sku"]},
    "load": {"resource": "items", "keys": ["sku"]},
}
WRITE_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "batchSize": 10},
    "transform": {"key": "sku", "fields": {"externalId": "$string(id)", "sku": "variants[0].sku"}},
    "validate": {"required": ["externalId"]},
    "load": {"resource": "items/{externalId}", "keys": ["externalId"], "batchSize": 10},
}


def http_profile(api: RestApi, **config: Any) -> dict[str, Any]:
    return bearer_profile(api, "tok-e2e-1", **config)


async def run_instance(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    drain: Drain,
    source: dict[str, Any],
    target: dict[str, Any],
    document: dict[str, Any],
) -> dict[str, Any]:
    src = await r.make_profile(client, tenant, **source)
    dst = await r.make_profile(client, tenant, **target)
    mapping = await r.make_mapping(client, tenant, document=document)
    instance = await r.post(
        client,
        tenant,
        "/instances",
        {
            "name": r.unique("i"),
            "sourceProfileId": src["id"],
            "targetProfileId": dst["id"],
            "mappingId": mapping["id"],
            "options": OPTIONS,
        },
    )
    url = f"{r.API}/instances/{instance['id']}/activate"
    assert (await client.post(url, headers={**tenant.headers, "If-Match": '"1"'})).status_code == 200
    queued = await client.post(
        f"{r.API}/sync-events", json={"instanceId": instance["id"]}, headers=tenant.headers
    )
    assert queued.status_code == 202, queued.text
    await drain()
    event = (await client.get(queued.headers["location"], headers=tenant.headers)).json()
    log = (await client.get(f"{r.API}/sync-logs/{event['syncLogId']}", headers=tenant.headers)).json()
    return dict(log)


async def test_the_connection_test_makes_a_real_call(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    rest_api.require = {"Authorization": "Bearer tok-e2e-1"}
    row = await r.make_profile(client, tenant, **http_profile(rest_api))
    answer = (await client.post(f"{PROFILES}/{row['id']}/test", headers=tenant.headers)).json()
    assert answer["ok"] is True and answer["detail"] == f"HTTP 200 from GET {rest_api.base_url}"
    assert rest_api.requests[0].headers["Authorization"] == "Bearer tok-e2e-1"


async def test_a_connection_test_with_a_wrong_token_says_so_without_the_token(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi
) -> None:
    rest_api.require = {"Authorization": "Bearer another"}
    row = await r.make_profile(client, tenant, **http_profile(rest_api))
    answer = (await client.post(f"{PROFILES}/{row['id']}/test", headers=tenant.headers)).json()
    assert answer["ok"] is False and answer["detail"].startswith("the API refused the credentials: HTTP 401")
    assert "tok-e2e-1" not in answer["detail"]


async def test_a_run_reads_every_page_into_the_sink(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi, drain: Drain
) -> None:
    log = await run_instance(
        client, tenant, drain, http_profile(rest_api), {"kind": "sample", "config": {}}, READ_DOCUMENT
    )
    assert log["status"] == "succeeded", log["error"]
    assert log["counts"] == {"total": 95, "success": 95, "failed": 0, "skipped": 0}
    assert log["stages"]["extract"]["out"] == 95
    assert len(rest_api.gets("/page/products")) == 11  # ten full pages, then the empty one


async def test_a_run_writes_each_record_and_rejected_ones_reach_the_dlq_with_the_answer(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi, drain: Drain
) -> None:
    rest_api.inject(Fault(422, b'{"errors": {"sku": ["already taken"]}}', times=3, method="PUT"))
    sample = {"kind": "sample", "config": {"count": 30, "seed": 3}}
    log = await run_instance(client, tenant, drain, sample, http_profile(rest_api), WRITE_DOCUMENT)
    assert log["status"] == "partial"
    assert log["counts"] == {"total": 30, "success": 27, "failed": 3, "skipped": 0}
    assert len(rest_api.received) == 27
    assert all(m == "PUT" and p.startswith("/items/7000000") for m, p, _ in rest_api.received)
    errors = await EntityError.filter(sync_log_id=log["id"])
    assert len(errors) == 3 and all(e.stage == "load" and e.dead_letter_id for e in errors)
    assert all("HTTP 422 from PUT" in e.message and "already taken" in e.message for e in errors)


@pytest.mark.parametrize(
    ("setup", "config", "message"),
    [
        pytest.param(Fault(200, b'{"data": [{"sku": 1},'), {}, "is not JSON", id="malformed-json"),
        pytest.param(Fault(200, b"<html>Sign in</html>", "text/html"), {}, "not JSON (text/html)", id="html"),
        pytest.param(Fault(200, b'{"data": "\xff"}'), {}, "not valid UTF-8", id="non-utf8"),
        pytest.param(
            None, {"recordsPath": "payload.rows"}, "'payload.rows' matches nothing", id="records-path"
        ),
        pytest.param(
            "loop",
            {"pagination": {"type": "cursor", "cursorPath": "next_cursor"}},
            "pagination loops",
            id="looping-cursor",
        ),
        pytest.param(
            Fault(delay=5, times=9), {"timeoutSeconds": 0.3}, "timed out after 0.3 s", id="never-answers"
        ),
    ],
)
async def test_bad_remote_input_fails_the_run_with_a_clear_error(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    rest_api: RestApi,
    drain: Drain,
    setup: Fault | str | None,
    config: dict[str, Any],
    message: str,
) -> None:
    if isinstance(setup, Fault):
        rest_api.inject(setup)
    document = READ_DOCUMENT
    if setup == "loop":
        rest_api.loop_cursor = True
        document = {**READ_DOCUMENT, "extract": {"resource": "cursor/products", "batchSize": 10}}
    profile = http_profile(rest_api, **config)
    log = await run_instance(client, tenant, drain, profile, {"kind": "sample", "config": {}}, document)
    assert log["status"] == "failed"
    assert message in log["error"] and "tok-e2e-1" not in log["error"]


async def test_ids_above_2_to_the_53_stay_exact_from_one_api_to_another(
    client: httpx.AsyncClient, tenant: TestTenant, rest_api: RestApi, drain: Drain
) -> None:
    document = {
        **READ_DOCUMENT,
        "transform": {"key": "sku", "fields": {"id": "id", "sku": "sku", "price": "price"}},
        "load": {"resource": "items/{id}", "keys": ["id"], "batchSize": 25},
    }
    profile = http_profile(rest_api)
    log = await run_instance(client, tenant, drain, profile, profile, document)
    assert log["counts"] == {"total": 95, "success": 95, "failed": 0, "skipped": 0}
    sent = sorted(rest_api.received, key=lambda r: r[2]["id"])
    assert [body["id"] for _, _, body in sent] == [9_007_199_254_740_993 + i for i in range(95)]
    assert sent[0][1] == "/items/9007199254740993"
