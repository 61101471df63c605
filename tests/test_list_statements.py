"""Every list, REST and GraphQL, costs the same number of SQL statements for 2 items as for 20.

The GraphQL queries select every field of an item that takes no required argument, two levels deep,
so a relation resolved row by row anywhere shows up here as statements that grow with the page.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from ezy.dlq.models import DeadLetter
from ezy.runs.models import EntityError, SyncLog
from ezy.tenants import keys
from ezy.webhooks.models import WebhookDelivery
from schema.root import schema
from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient
from tests.graphql.test_dataloaders import counting_sql

N = 20
AUTH_LOOKUP = '"previous_prefix"='  # the WHERE of the key lookup, in no list's statement


async def _seed(client: httpx.AsyncClient, tenant: TestTenant) -> dict[str, str]:
    """N of everything a tenant can list; answers the ids that nested lists need."""
    ctx = keys.TenantContext(tenant.id)
    for i in range(N):
        await keys.create_key(ctx, f"k{i}")
        instance = await r.make_instance(client, tenant)
        await r.post(client, tenant, "/schedules", {"instanceId": instance["id"], "cron": "@daily"})
        await r.post(
            client, tenant, "/webhook-endpoints", {"instanceId": instance["id"], "provider": "generic"}
        )
    endpoint = (await client.get("/api/v1/webhook-endpoints", headers=tenant.headers)).json()["items"][0]
    log = None
    for i in range(N):
        log = await SyncLog.create(
            tenant_id=tenant.id,
            instance_id=instance["id"],
            correlation_id=uuid.uuid4(),
            trigger="api",
            status="partial",
            stages={"extract": {"in": 1, "out": 1, "failed": 0, "ms": 1.0}},
        )
        await WebhookDelivery.create(tenant_id=tenant.id, endpoint_id=endpoint["id"], payload={"i": i})
    assert log is not None
    for i in range(N):
        letter = await DeadLetter.create(
            tenant_id=tenant.id,
            instance_id=instance["id"],
            sync_log_id=log.id,
            stage="validate",
            code="invalid",
            message="bad",
            entity_key=str(i),
            payload={"i": i},
        )
        await EntityError.create(
            tenant_id=tenant.id,
            sync_log_id=log.id,
            entity_key=str(i),
            stage="validate",
            code="invalid",
            message="bad",
            dead_letter_id=letter.id,
        )
    return {"syncLogId": str(log.id), "endpointId": endpoint["id"]}


@pytest.fixture(scope="module")
async def seeded(app: Any) -> tuple[TestTenant, dict[str, str]]:
    from tests.conftest import make_tenant

    tenant = await make_tenant("lists")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ids = await _seed(client, tenant)
        await client.get("/api/v1/api-keys", headers=tenant.headers)  # lastUsedAt written now, once
    return tenant, ids


REST_LISTS = [
    "/api-keys",
    "/connection-profiles",
    "/mapping-configurations",
    "/instances",
    "/schedules",
    "/webhook-endpoints",
    "/webhook-endpoints/{endpointId}/deliveries",
    "/sync-logs",
    "/sync-logs/{syncLogId}/errors",
    "/dlq",
    "/audit-log",
]


async def _rest_statements(client: httpx.AsyncClient, tenant: TestTenant, path: str, size: int) -> list[str]:
    # The key cache lives 5 s; on a loaded machine it can lapse between requests: warm it first.
    await client.get("/api/v1/api-keys", params={"pageSize": 1}, headers=tenant.headers)
    with counting_sql() as counter:
        response = await client.get(f"/api/v1{path}", params={"pageSize": size}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == size and response.json()["total"] >= N
    return counter.statements


@pytest.mark.parametrize("path", REST_LISTS)
async def test_a_rest_list_costs_the_same_sql_for_2_and_20_items(
    client: httpx.AsyncClient, seeded: tuple[TestTenant, dict[str, str]], path: str
) -> None:
    tenant, ids = seeded
    small = await _rest_statements(client, tenant, path.format(**ids), 2)
    large = await _rest_statements(client, tenant, path.format(**ids), N)
    assert len(small) == len(large), "\n".join(large)
    # The page with its total (and the parent, for a nested list): the cached key costs none.
    assert len(large) == (2 if "{" in path else 1), "\n".join(large)


def _required(arg: GraphQLArgument) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def _unwrap(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _selection(type_: GraphQLObjectType, depth: int) -> str:
    """Every field without a required argument; objects `depth` levels down, unions left out."""
    parts = []
    for name, field in type_.fields.items():
        if any(_required(arg) for arg in field.args.values()):
            continue
        inner = _unwrap(field.type)
        if isinstance(inner, GraphQLUnionType):
            continue
        if isinstance(inner, GraphQLObjectType):
            if depth > 0:
                parts.append(f"{name} {{ {_selection(inner, depth - 1)} }}")
        else:
            parts.append(name)
    return " ".join(parts) or "__typename"


def _page_fields() -> dict[str, GraphQLField]:
    query = schema._schema.query_type
    assert query is not None
    return {
        name: field
        for name, field in query.fields.items()
        if isinstance(inner := _unwrap(field.type), GraphQLObjectType) and "items" in inner.fields
    }


def _graphql_list(name: str, field: GraphQLField) -> str:
    page = _unwrap(field.type)
    assert isinstance(page, GraphQLObjectType)
    item = get_named_type(page.fields["items"].type)
    assert isinstance(item, GraphQLObjectType)
    required = [a for a, arg in field.args.items() if _required(arg)]
    declared = "".join(f", ${a}: ID!" for a in required)
    passed = "".join(f", {a}: ${a}" for a in required)
    return (
        f"query($n: Int!{declared}) {{ {name}(pageSize: $n{passed}) "
        f"{{ total items {{ {_selection(item, 2)} }} }} }}"
    )


def test_every_graphql_list_is_covered() -> None:
    assert set(_page_fields()) == {
        "apiKeys",
        "connectionProfiles",
        "mappingConfigurations",
        "instances",
        "schedules",
        "webhookEndpoints",
        "webhookDeliveries",
        "syncLogs",
        "syncLogErrors",
        "deadLetters",
        "auditLog",
    }


@pytest.mark.parametrize("name", sorted(_page_fields()))
async def test_a_graphql_list_costs_the_same_sql_for_2_and_20_items(
    client: httpx.AsyncClient, seeded: tuple[TestTenant, dict[str, str]], name: str
) -> None:
    tenant, ids = seeded
    gql = GraphQLClient(client, tenant.headers)
    query = _graphql_list(name, _page_fields()[name])
    counts = []
    for size in (2, N):
        await client.get("/api/v1/api-keys", params={"pageSize": 1}, headers=tenant.headers)  # warm key
        with counting_sql() as counter:
            data = await gql.data(query, {"n": size, **ids})
        assert len(data[name]["items"]) == size
        counts.append(counter.statements)
    small, large = counts
    assert len(small) == len(large), "\n".join(large)
    assert not [s for s in large if AUTH_LOOKUP in s], "a known key is looked up again"


async def test_a_last_page_tells_its_total_without_a_count(
    client: httpx.AsyncClient, seeded: tuple[TestTenant, dict[str, str]]
) -> None:
    tenant, _ = seeded
    with counting_sql() as counter:
        response = await client.get(
            "/api/v1/instances", params={"pageSize": 15, "page": 2}, headers=tenant.headers
        )
    body = response.json()
    assert (len(body["items"]), body["total"]) == (N - 15, N)
    assert len(counter.statements) == 1, "\n".join(counter.statements)
    past_the_end = await client.get("/api/v1/instances", params={"page": 9}, headers=tenant.headers)
    assert (past_the_end.json()["items"], past_the_end.json()["total"]) == ([], N)
