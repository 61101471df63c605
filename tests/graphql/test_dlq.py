"""The dead letter queue over GraphQL: inspect, replay (edited, idempotent), discard, bulk, and scoping."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ezy.dlq.models import DeadLetter
from ezy.instances.models import Instance
from ezy.runs.models import SyncLog
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.runs import conftest as runs
from tests.runs.conftest import Drain, make_instance

drain = runs.drain  # the burst-worker fixture, for this module's tests

LETTERS = """query($instanceId: ID, $status: DeadLetterStatus, $stage: PipelineStage) {
  deadLetters(instanceId: $instanceId, status: $status, stage: $stage) {
    total items { id status stage instance { id } }
  }
}"""
LETTER = """query($id: ID!) {
  deadLetter(id: $id) {
    id status stage entityKey error { code message } attempts payload mappedPayload history
  }
}"""
ERRORS = """__typename
  ... on ValidationError { message fieldErrors { pointer message } }"""
NOT_FOUND_OR_CONFLICT = "... on NotFoundError { message } ... on ConflictError { message }"
STARTED = f"""{ERRORS} {NOT_FOUND_OR_CONFLICT}
  ... on SyncStartedPayload {{ correlationId syncLog {{ id trigger status }} }}"""
REPLAY = f"""mutation($id: ID!, $payload: JSON, $key: String) {{
  replayDeadLetter(id: $id, payload: $payload, idempotencyKey: $key) {{ {STARTED} }}
}}"""
REPLAY_ORIGINAL = f"mutation($id: ID!) {{ replayDeadLetter(id: $id) {{ {STARTED} }} }}"
DISCARD = f"""mutation($id: ID!) {{
  discardDeadLetter(id: $id) {{
    __typename {NOT_FOUND_OR_CONFLICT} ... on DeadLetterPayload {{ deadLetter {{ id status }} }}
  }}
}}"""
BULK = """mutation($ids: [ID!], $filter: DeadLetterFilter) {{
  {name}(ids: $ids, filter: $filter) {{ {errors} ... on BulkDeadLetterPayload {{ count }} }}
}}"""


async def _partial_run(tenant: TestTenant, runtime: Runtime, drain: Drain) -> Instance:
    """A run where the products priced over 100 fail validation and become dead letters."""
    instance = await make_instance(runtime, tenant.id, count=20)
    await start_run(tenant.id, instance.id, RunRequest("api"))
    await drain()
    return instance


async def _letters(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await gql.data(LETTERS, variables))["deadLetters"]
    return page


async def _first_letter(gql: GraphQLClient, instance: Instance) -> str:
    page = await _letters(gql, instanceId=str(instance.id))
    letter_id: str = page["items"][0]["id"]
    return letter_id


async def _mutate(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    (result,) = (await gql.data(query, variables)).values()
    return dict(result)


async def _bulk(gql: GraphQLClient, name: str, **variables: Any) -> dict[str, Any]:
    return await _mutate(gql, BULK.format(name=name, errors=ERRORS), **variables)


async def test_failed_records_are_listed_and_inspectable(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    page = await _letters(gql, instanceId=str(instance.id), status="PENDING", stage="VALIDATE")
    failed = (await SyncLog.get(instance_id=instance.id)).failed
    assert page["total"] == failed > 0
    assert page["items"][0]["instance"] == {"id": str(instance.id)}
    assert (await _letters(gql, instanceId=str(instance.id), stage="LOAD"))["total"] == 0

    letter = (await gql.data(LETTER, {"id": page["items"][0]["id"]}))["deadLetter"]
    assert float(letter["payload"]["variants"][0]["price"]) > 100
    assert letter["mappedPayload"]["price"] > 100
    assert letter["error"]["code"] == "schema_invalid" and letter["attempts"] == 1
    assert letter["history"][0]["outcome"] == "failed"


async def test_a_replay_that_fails_again_stays_pending_with_another_attempt(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = await _first_letter(gql, instance)
    started = await _mutate(gql, REPLAY_ORIGINAL, id=letter_id)
    assert started["__typename"] == "SyncStartedPayload" and started["syncLog"]["trigger"] == "REPLAY"
    await drain()
    letter = (await gql.data(LETTER, {"id": letter_id}))["deadLetter"]
    assert (letter["status"], letter["attempts"]) == ("PENDING", 2)


async def test_replaying_an_edited_payload_resolves_the_message(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = await _first_letter(gql, instance)
    stored = (await gql.data(LETTER, {"id": letter_id}))["deadLetter"]["payload"]
    # The source record is stored: fix its bad value, the replay maps it again.
    edited = {**stored, "variants": [{**stored["variants"][0], "price": "99.00"}]}
    started = await _mutate(gql, REPLAY, id=letter_id, payload=edited)
    assert started["__typename"] == "SyncStartedPayload"
    await drain()
    letter = (await gql.data(LETTER, {"id": letter_id}))["deadLetter"]
    assert letter["status"] == "RESOLVED" and letter["payload"] == edited
    assert [h["outcome"] for h in letter["history"]][-2:] == ["edited", "resolved"]


async def test_the_same_idempotency_key_over_graphql_and_rest_replays_once(
    client: httpx.AsyncClient, gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = await _first_letter(gql, instance)
    first = await _mutate(gql, REPLAY, id=letter_id, key="r-1")
    again = await _mutate(gql, REPLAY, id=letter_id, key="r-1")
    rest = await client.post(
        f"/api/v1/dlq/{letter_id}/replay", json={}, headers={**tenant.headers, "Idempotency-Key": "r-1"}
    )
    assert rest.status_code == 202
    assert first["correlationId"] == again["correlationId"] == rest.json()["correlationId"]
    assert await SyncLog.filter(instance_id=instance.id, trigger="replay").count() == 1


async def test_replaying_a_discarded_message_is_a_conflict(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    letter_id = await _first_letter(gql, instance)
    discarded = await _mutate(gql, DISCARD, id=letter_id)
    assert discarded["deadLetter"] == {"id": letter_id, "status": "DISCARDED"}
    replayed = await _mutate(gql, REPLAY_ORIGINAL, id=letter_id)
    assert replayed["__typename"] == "ConflictError" and "discarded" in replayed["message"]
    assert (await _mutate(gql, DISCARD, id=letter_id))["__typename"] == "ConflictError"


async def test_an_edited_payload_must_be_an_object(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    result = await _mutate(gql, REPLAY, id=await _first_letter(gql, instance), payload=[1, 2])
    assert result["__typename"] == "ValidationError"
    assert [e["pointer"] for e in result["fieldErrors"]] == ["/payload"]


async def test_another_tenants_messages_are_not_found(
    gql: GraphQLClient, other_gql: GraphQLClient, other_tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(other_tenant, runtime, drain)
    letter_id = await _first_letter(other_gql, instance)
    assert (await gql.data(LETTER, {"id": letter_id}))["deadLetter"] is None
    assert (await _letters(gql, instanceId=str(instance.id)))["total"] == 0
    assert (await _mutate(gql, REPLAY_ORIGINAL, id=letter_id))["__typename"] == "NotFoundError"
    assert (await _mutate(gql, DISCARD, id=letter_id))["__typename"] == "NotFoundError"
    assert (await _bulk(gql, "discardDeadLetters", ids=[letter_id]))["count"] == 0
    assert await DeadLetter.filter(id=letter_id, status="pending").exists()


async def test_bulk_actions_take_the_selected_pending_messages(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    ids = [item["id"] for item in (await _letters(gql, instanceId=str(instance.id)))["items"]]
    discarded = await _bulk(gql, "discardDeadLetters", ids=ids[:1])
    replayed = await _bulk(gql, "replayDeadLetters", filter={"instanceId": str(instance.id)})
    assert (discarded["count"], replayed["count"]) == (1, len(ids) - 1)
    statuses = await DeadLetter.filter(instance_id=instance.id).values_list("status", flat=True)
    assert sorted(statuses) == ["discarded"] + ["replaying"] * (len(ids) - 1)


@pytest.mark.parametrize(
    ("variables", "pointer"),
    [
        pytest.param({}, "", id="neither"),
        pytest.param({"ids": [], "filter": {}}, "", id="both"),
        pytest.param({"ids": []}, "/ids", id="no-ids"),
        pytest.param({"ids": ["nope"]}, "/ids/0", id="not-an-id"),
        pytest.param({"filter": {"instanceId": "nope"}}, "/filter/instanceId", id="bad-filter"),
    ],
)
async def test_bad_bulk_selections_are_validation_errors(
    gql: GraphQLClient, variables: dict[str, Any], pointer: str
) -> None:
    for name in ("replayDeadLetters", "discardDeadLetters"):
        result = await _bulk(gql, name, **variables)
        assert result["__typename"] == "ValidationError"
        assert [e["pointer"] for e in result["fieldErrors"]] == [pointer]


async def test_a_bad_list_filter_is_an_error(gql: GraphQLClient) -> None:
    (error,) = await gql.errors(LETTERS, {"instanceId": "nope"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_bulk_filter_takes_from_and_to(
    gql: GraphQLClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    instance = await _partial_run(tenant, runtime, drain)
    future = {"instanceId": str(instance.id), "from": "2999-01-01T00:00:00Z"}
    assert (await _bulk(gql, "discardDeadLetters", filter=future))["count"] == 0
    past = {"instanceId": str(instance.id), "to": "2000-01-01T00:00:00Z"}
    assert (await _bulk(gql, "discardDeadLetters", filter=past))["count"] == 0
    since = {"instanceId": str(instance.id), "from": "2000-01-01T00:00:00Z"}
    pending = await DeadLetter.filter(instance_id=instance.id, status="pending").count()
    assert (await _bulk(gql, "discardDeadLetters", filter=since))["count"] == pending > 0
