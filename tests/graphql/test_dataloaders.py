"""Relations resolve through per-request DataLoaders: a list costs the same SQL whatever its page size."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

PROFILE = "id name kind"
INSTANCE = f"""id name status sourceProfile {{ {PROFILE} }} targetProfile {{ {PROFILE} }}
  mapping {{ id name }} scheduleCount webhookEndpointCount"""
ITEMS = {
    "instances": INSTANCE,
    "schedules": f"id instance {{ {INSTANCE} }}",
    "webhookEndpoints": f"id url instance {{ {INSTANCE} }}",
}
QUERIES = {
    name: f"query($n: Int!) {{ {name}(pageSize: $n) {{ total items {{ {items} }} }} }}"
    for name, items in ITEMS.items()
}


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}:
            self.statements.append(message)


@contextmanager
def counting_sql() -> Iterator[_Counter]:
    """Every statement Tortoise sends, from its `tortoise.db_client` debug log."""
    logger = logging.getLogger("tortoise.db_client")
    counter, level = _Counter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


async def _statements(gql: GraphQLClient, query: str, page_size: int) -> list[str]:
    with counting_sql() as counter:
        data = await gql.data(query, {"n": page_size})
    (page,) = data.values()
    assert len(page["items"]) == page_size
    return counter.statements


async def _seed(client: httpx.AsyncClient, tenant: TestTenant, count: int) -> None:
    """`count` of each: instances (each with its own profile and mapping), schedules, endpoints."""
    for _ in range(count):
        instance = await r.make_instance(client, tenant)
        await r.post(client, tenant, "/schedules", {"instanceId": instance["id"], "cron": "@daily"})
        await r.post(
            client, tenant, "/webhook-endpoints", {"instanceId": instance["id"], "provider": "generic"}
        )


@pytest.fixture
async def seeded(client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient) -> GraphQLClient:
    await _seed(client, tenant, 20)
    await gql.data("{ apiKeys { total } }")  # the key's `lastUsedAt` write happens now, not while counting
    return gql


@pytest.mark.parametrize("name", list(QUERIES))
async def test_a_list_costs_the_same_sql_for_2_and_20_items(seeded: GraphQLClient, name: str) -> None:
    small = await _statements(seeded, QUERIES[name], 2)
    large = await _statements(seeded, QUERIES[name], 20)
    assert len(small) == len(large), "\n".join(large)
    # auth + count + page, then one batch per relation (nesting adds a level, never a row)
    assert 3 <= len(large) <= 10


async def test_relations_stay_within_the_tenant(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    instance = await r.make_instance(client, tenant)
    data = await gql.data(QUERIES["instances"], {"n": 1})
    (item,) = data["instances"]["items"]
    assert item["sourceProfile"]["id"] == instance["sourceProfileId"]
    assert item["mapping"]["id"] == instance["mappingId"]
    assert (item["scheduleCount"], item["webhookEndpointCount"]) == (0, 0)


async def test_counts_count_only_the_instances_own(
    client: httpx.AsyncClient, tenant: TestTenant, gql: GraphQLClient
) -> None:
    await _seed(client, tenant, 1)
    lonely = await r.make_instance(client, tenant)
    data: dict[str, Any] = await gql.data(QUERIES["instances"], {"n": 2})
    counts = {i["id"]: (i["scheduleCount"], i["webhookEndpointCount"]) for i in data["instances"]["items"]}
    assert counts.pop(lonely["id"]) == (0, 0)
    assert list(counts.values()) == [(1, 1)]
