"""The `http` connector as a target: one result per record, decided by the HTTP status."""

from __future__ import annotations

from typing import Any

import pytest

from ezy.connectors.base import ConnectorError, TransientError
from tests.connectors.http_helpers import connector
from tests.fakes.rest_api import RestApi

ITEMS = [{"externalId": f"e{i}", "sku": f"SKU-{i}", "title": f"T{i}"} for i in range(8)]


async def write(
    api: RestApi, records: list[dict[str, Any]], resource: str = "items/{externalId}", **config: Any
) -> Any:
    target = connector(api, **config)
    try:
        return await target.write(resource, records, mode=config.pop("mode", "upsert"), keys=["externalId"])
    finally:
        await target.close()


async def test_upsert_puts_each_record_at_its_own_url(rest_api: RestApi) -> None:
    results = await write(rest_api, ITEMS)
    assert all(r.ok for r in results) and len(results) == 8
    assert sorted(p for _, p, _ in rest_api.received) == sorted(f"/items/e{i}" for i in range(8))
    assert {m for m, _, _ in rest_api.received} == {"PUT"}


async def test_url_template_values_are_quoted(rest_api: RestApi) -> None:
    await write(rest_api, [{"externalId": "a/b c?d", "sku": "x"}])
    assert rest_api.requests[0].path == "/items/a%2Fb%20c%3Fd"


async def test_a_4xx_rejects_only_its_record_with_an_excerpt_and_no_retry(rest_api: RestApi) -> None:
    records: list[dict[str, Any]] = [*ITEMS[:3], {**ITEMS[3], "reject": True}]
    results = await write(rest_api, records)
    assert [r.ok for r in results] == [True, True, True, False]
    assert results[3].code == "load_rejected"
    assert "HTTP 422 from PUT" in (results[3].message or "") and "is invalid" in (results[3].message or "")
    assert sum(1 for r in rest_api.requests if r.path == "/items/e3") == 1


async def test_a_5xx_is_retried_then_fails_only_its_record(rest_api: RestApi) -> None:
    results = await write(rest_api, [ITEMS[0], {**ITEMS[1], "explode": True}])
    assert results[0].ok and not results[1].ok and results[1].code == "load_failed"
    assert "HTTP 500" in (results[1].message or "")
    assert sum(1 for r in rest_api.requests if r.path == "/items/e1") == 3


async def test_a_record_missing_a_template_field_is_rejected(rest_api: RestApi) -> None:
    results = await write(rest_api, [{"sku": "no-id"}])
    assert not results[0].ok and "needs field 'externalId'" in (results[0].message or "")
    assert rest_api.requests == []


async def test_batch_mode_posts_one_json_array(rest_api: RestApi) -> None:
    results = await write(rest_api, ITEMS, "items", write={"batch": True}, mode="insert")
    assert all(r.ok for r in results)
    assert rest_api.received == [("POST", "/items", ITEMS)]


async def test_a_rejected_batch_rejects_each_of_its_records(rest_api: RestApi) -> None:
    results = await write(rest_api, [ITEMS[0], {**ITEMS[1], "reject": True}], "items", write={"batch": True})
    assert [r.code for r in results] == ["load_rejected", "load_rejected"]


async def test_method_can_be_configured(rest_api: RestApi) -> None:
    await write(rest_api, ITEMS[:1], write={"method": "PATCH"})
    assert rest_api.received[0][0] == "PATCH"


async def test_refused_credentials_fail_the_batch_not_the_records(rest_api: RestApi) -> None:
    rest_api.require = {"Authorization": "Bearer right"}
    with pytest.raises(ConnectorError, match="refused the credentials"):
        await write(rest_api, ITEMS)


async def test_an_unreachable_target_is_a_transient_error_for_the_batch(rest_api: RestApi) -> None:
    target = connector(rest_api, baseUrl="http://127.0.0.1:9")  # discard port: nobody listens
    with pytest.raises(TransientError, match="cannot connect"):
        await target.write("items/{externalId}", ITEMS[:2], keys=["externalId"])
    await target.close()
