"""Compressed deliveries: `Content-Encoding: gzip` bodies are inflated (bounded) before anything else."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from ezy.runtime import Runtime
from tests.conftest import TestTenant
from tests.test_webhook_receiver import deliveries, endpoint, payload, shopify_headers, standard_headers


async def test_a_gzip_body_is_stored_as_the_json_it_carries(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    body = json.dumps([{"id": i, "email": f"{i}@example.com"} for i in range(50)]).encode()
    headers = {**standard_headers(secret, body), "Content-Encoding": "gzip"}  # signed before compression
    answer = await client.post(url, content=gzip.compress(body), headers=headers)
    assert answer.status_code == 202
    [stored] = await deliveries(url)
    assert stored.status == "accepted" and stored.payload == json.loads(body)


async def test_a_gzip_shopify_body_is_checked_against_its_hmac(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime
) -> None:
    url, _ = await endpoint(client, tenant, runtime)
    body = payload("orders_create")
    headers = {**shopify_headers(body), "Content-Encoding": "gzip"}
    assert (await client.post(url, content=gzip.compress(body), headers=headers)).status_code == 200
    assert [d.status for d in await deliveries(url)] == ["accepted"]


@pytest.mark.parametrize(
    ("encoding", "content", "status"),
    [
        pytest.param("gzip", gzip.compress(b" " * 2_000_000 + b"{}"), 413, id="inflates-past-the-limit"),
        pytest.param("gzip", b"not gzip at all", 400, id="not-gzip"),
        pytest.param("gzip", gzip.compress(b'{"id": 1}')[:-12], 400, id="truncated"),
        pytest.param("br", b'{"id": 1}', 415, id="unsupported-encoding"),
    ],
)
async def test_a_body_that_cannot_be_inflated_is_refused_and_not_stored(
    client: httpx.AsyncClient,
    tenant: TestTenant,
    runtime: Runtime,
    encoding: str,
    content: bytes,
    status: int,
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    headers = {**standard_headers(secret, content), "Content-Encoding": encoding}
    answer = await client.post(url, content=content, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert await deliveries(url) == []
