"""Integers past 64 bits are JSON too: stored and answered digit for digit, on both backends.

orjson (Tortoise's JSON codec when installed) refused them when writing (a 500) and read them back
as floats; ezy/jsonfield.py keeps them exact.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ezy import jsonfield
from ezy.runtime import Runtime
from tests import resources as r
from tests.conftest import TestTenant
from tests.runs.conftest import Drain
from tests.test_webhook_receiver import endpoint, standard_headers

BIG = 2**100 + 1  # a float would answer ...376 or 1.2676506002282294e+30


def _exact(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return json.loads(response.text)  # the standard library keeps every digit


def test_the_codec_keeps_every_digit_and_writes_what_orjson_writes() -> None:
    value = {"id": BIG, "small": 2**63 - 1, "price": 0.1, "name": "café", "nan": float("nan")}
    text = jsonfield.dumps(value)
    assert jsonfield.loads(text) == {**value, "nan": None}
    assert jsonfield.loads(text.encode())["id"] == BIG
    plain = {"id": 7, "tags": ["a", "b"], "sku": "SKU-1234567890123456789012"}
    assert jsonfield.loads(jsonfield.dumps(plain)) == plain


async def test_a_mapping_and_an_instance_keep_a_big_integer(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    document = {"version": 1, "transform": {"fields": {"id": "id"}, "defaults": {"big": BIG}}}
    mapping = await r.make_mapping(client, tenant, document=document)
    shown = _exact(
        await client.get(f"{r.API}/mapping-configurations/{mapping['id']}", headers=tenant.headers)
    )
    assert shown["document"]["transform"]["defaults"]["big"] == BIG

    instance = await r.make_instance(client, tenant, options={"batchSize": 10, "marker": BIG})
    shown = _exact(await client.get(f"{r.API}/instances/{instance['id']}", headers=tenant.headers))
    assert shown["options"]["marker"] == BIG


async def test_a_webhook_record_with_a_big_integer_reaches_the_dlq_exact(
    client: httpx.AsyncClient, tenant: TestTenant, runtime: Runtime, drain: Drain
) -> None:
    url, secret = await endpoint(client, tenant, runtime, provider="generic")
    # No `id`, so no externalId: validate fails the record and the DLQ keeps it as sent.
    body = json.dumps([{"order": BIG, "email": "a@example.com"}]).encode()
    answer = await client.post(url, content=body, headers=standard_headers(secret, body))
    assert answer.status_code == 202, answer.text
    await drain()
    listed = _exact(await client.get(f"{r.API}/dlq", headers=tenant.headers))
    [letter] = listed["items"]
    shown = _exact(await client.get(f"{r.API}/dlq/{letter['id']}", headers=tenant.headers))
    assert shown["payload"] == {"order": BIG, "email": "a@example.com"}
