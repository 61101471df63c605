"""The usual repair: a mapping bug dead-letters records, the mapping is fixed, a bulk replay resolves them.

Dead letters keep the source record, so the replay maps it again with the fixed mapping; the replay
runs in chunks of 1,000 messages and its sync log counts every one of them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.mappings.models import MappingConfiguration
from ezy.runs import replay
from ezy.runs.models import SyncLog
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, make_instance
from tests.test_webhook_receiver import deliveries, endpoint, standard_headers

RECORDS = replay.CHUNK + 150  # more than one replay chunk

# The bug: validate requires `sku`, which the mapping reads from a path that does not exist.
BUGGY: dict[str, Any] = {
    "version": 1,
    "extract": {"resource": "products", "batchSize": 250},
    "normalize": {"trimStrings": True, "numbers": ["variants[*].price"]},
    "transform": {
        "key": "$string(id)",
        "fields": {
            "externalId": "$string(id)",
            "title": "title",
            "price": "variants[0].price",
            "sku": "variant[0].sku",
        },
    },
    "validate": {"required": ["externalId", "sku"]},
    "load": {"resource": "items", "keys": ["externalId"], "batchSize": 500},
}
FIX = {"document": {"transform": {"fields": {"sku": "variants[0].sku"}}}}


async def _get(client: httpx.AsyncClient, tenant: TestTenant, path: str, **params: Any) -> Any:
    answer = await client.get(f"/api/v1{path}", params=params, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _buggy_run(tenant: TestTenant, runtime: Runtime, drain: Drain, count: int) -> Instance:
    from ezy.runs.service import RunRequest, start_run

    instance = await make_instance(runtime, tenant.id, count=count, document=BUGGY)
    await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    return instance


async def _fix_mapping(client: httpx.AsyncClient, tenant: TestTenant, instance: Instance) -> None:
    answer = await client.patch(
        f"/api/v1/mapping-configurations/{instance.mapping_id}",
        json=FIX,
        headers={**tenant.headers, "If-Match": '"1"'},
    )
    assert answer.status_code == 200, answer.text


async def _bulk_replay(client: httpx.AsyncClient, tenant: TestTenant, instance: Instance) -> int:
    answer = await client.post(
        "/api/v1/dlq/replay", json={"filter": {"instanceId": str(instance.id)}}, headers=tenant.headers
    )
    assert answer.status_code == 202, answer.text
    return int(answer.json()["count"])


async def test_fixing_the_mapping_then_replaying_by_filter_resolves_every_dead_letter(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _buggy_run(tenant, runtime, drain, RECORDS)
    first = await SyncLog.get(instance_id=instance.id, trigger="api")
    assert (first.status, first.total, first.failed) == ("failed", RECORDS, RECORDS)
    letter = (await _get(client, tenant, "/dlq", instanceId=str(instance.id), pageSize="1"))["items"][0]
    stored = await _get(client, tenant, f"/dlq/{letter['id']}")
    assert stored["stage"] == "validate" and "variants" in stored["payload"]  # the source record
    assert stored["mappedPayload"]["sku"] is None and stored["mappedPayload"]["externalId"]

    await _fix_mapping(client, tenant, instance)
    assert await _bulk_replay(client, tenant, instance) == RECORDS
    await drain()

    resolved = await _get(client, tenant, "/dlq", instanceId=str(instance.id), status="resolved")
    assert resolved["total"] == RECORDS
    assert (await _get(client, tenant, "/dlq", instanceId=str(instance.id), status="pending"))["total"] == 0
    [log] = (await _get(client, tenant, "/sync-logs", instanceId=str(instance.id), trigger="replay"))["items"]
    assert log["status"] == "succeeded"
    assert log["counts"] == {"total": RECORDS, "success": RECORDS, "failed": 0, "skipped": 0}
    assert log["stages"]["normalize"]["in"] == log["stages"]["load"]["out"] == RECORDS
    assert resolved["items"][0]["resolvedBySyncLogId"] == log["id"]


async def test_a_bulk_replay_that_fails_again_counts_every_chunk(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _buggy_run(tenant, runtime, drain, RECORDS)
    assert await _bulk_replay(client, tenant, instance) == RECORDS  # the mapping is still wrong
    await drain()
    log = await SyncLog.get(instance_id=instance.id, trigger="replay")
    assert (log.status, log.total, log.failed) == ("failed", RECORDS, RECORDS)
    pending = DeadLetter.filter(instance_id=instance.id, status="pending", attempts=2)
    assert await pending.count() == RECORDS


async def test_a_legacy_message_replays_only_with_an_edited_source_record(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _buggy_run(tenant, runtime, drain, 2)
    await _fix_mapping(client, tenant, instance)
    # As migration 1 leaves a validate failure stored before source records were kept.
    legacy = await DeadLetter.filter(instance_id=instance.id).first()
    assert legacy is not None
    source = legacy.payload
    await DeadLetter.filter(id=legacy.id).update(payload=None, mapped_payload={"externalId": "1"})
    shown = await _get(client, tenant, f"/dlq/{legacy.id}")
    assert shown["payload"] is None and shown["mappedPayload"] == {"externalId": "1"}

    plain = await client.post(f"/api/v1/dlq/{legacy.id}/replay", headers=tenant.headers)
    assert plain.status_code == 409 and "edited payload" in plain.json()["detail"]
    assert await _bulk_replay(client, tenant, instance) == 1  # the other one, not the legacy one
    edited = await client.post(
        f"/api/v1/dlq/{legacy.id}/replay", json={"payload": source}, headers=tenant.headers
    )
    assert edited.status_code == 202
    await drain()
    assert await DeadLetter.filter(instance_id=instance.id, status="resolved").count() == 2


async def test_a_webhook_delivery_whose_records_replays_resolved_says_so(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = json.dumps([{"email": "a@example.com"}, {"email": "b@example.com"}]).encode()
    assert (await client.post(url, content=body, headers=standard_headers(secret, body))).status_code == 202
    await drain()
    [delivery] = await deliveries(url)
    assert delivery.status == "failed" and delivery.error == "2 of 2 records failed"

    run = await SyncLog.get(id=delivery.sync_log_id)
    instance = await Instance.get(id=run.instance_id)
    mapping = await MappingConfiguration.get(id=instance.mapping_id)
    fixed = {**mapping.document, "transform": {"key": "email", "fields": {"externalId": "email"}}}
    await MappingConfiguration.filter(id=mapping.id).update(document=fixed)
    assert await _bulk_replay(client, tenant, instance) == 2
    await drain()

    replayed = await SyncLog.get(instance_id=instance.id, trigger="replay")
    endpoint_id = url.rsplit("/", 1)[1]
    [shown] = (await _get(client, tenant, f"/webhook-endpoints/{endpoint_id}/deliveries"))["items"]
    assert (shown["status"], shown["error"]) == ("processed", None)
    assert shown["syncLogId"] == str(run.id) and shown["resolvedBySyncLogId"] == str(replayed.id)
    assert shown["processedAt"] is not None


async def test_a_webhook_delivery_stays_failed_while_one_of_its_records_is_not_resolved(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = json.dumps([{"email": "a@example.com"}, {"email": "b@example.com"}]).encode()
    assert (await client.post(url, content=body, headers=standard_headers(secret, body))).status_code == 202
    await drain()
    [delivery] = await deliveries(url)
    run = await SyncLog.get(id=delivery.sync_log_id)
    instance = await Instance.get(id=run.instance_id)
    mapping = await MappingConfiguration.get(id=instance.mapping_id)
    fixed = {**mapping.document, "transform": {"key": "email", "fields": {"externalId": "email"}}}
    await MappingConfiguration.filter(id=mapping.id).update(document=fixed)
    first, second = await DeadLetter.filter(sync_log_id=run.id).order_by("created_at", "id")
    assert (await client.post(f"/api/v1/dlq/{first.id}/discard", headers=tenant.headers)).status_code == 200
    assert (await client.post(f"/api/v1/dlq/{second.id}/replay", headers=tenant.headers)).status_code == 202
    await drain()
    assert (await DeadLetter.get(id=second.id)).status == "resolved"
    [delivery] = await deliveries(url)
    assert (delivery.status, delivery.resolved_by_sync_log_id) == ("failed", None)
