"""Mapping configurations: document validation with pointers, preview, references, names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ezy.mappings.contracts import MAX_PREVIEW_RECORDS
from tests import resources as r
from tests.conftest import TestTenant

URL = f"{r.API}/mapping-configurations"


def with_transform(**transform: Any) -> dict[str, Any]:
    return {"version": 1, "transform": transform}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({"name": "m"}, "/document", id="missing-document"),
        pytest.param({"document": r.DOCUMENT}, "/name", id="missing-name"),
        pytest.param(r.mapping_body(name="m" * 201), "/name", id="over-long-name"),
        pytest.param(r.mapping_body(document="x"), "/document", id="document-not-an-object"),
        pytest.param(r.mapping_body(document={}), "/document/version", id="missing-version"),
        pytest.param(
            r.mapping_body(document={"version": 1, "extras": {}}), "/document/extras", id="unknown-section"
        ),
        pytest.param(
            r.mapping_body(document=with_transform(fields={"price": "$number(("})),
            "/document/transform/fields/price",
            id="expression-syntax-error",
        ),
        pytest.param(
            r.mapping_body(document=with_transform(filter="status = = 'x'")),
            "/document/transform/filter",
            id="filter-syntax-error",
        ),
        pytest.param(
            r.mapping_body(document=with_transform(fields={"sku": 5})),
            "/document/transform/fields/sku",
            id="expression-not-a-string",
        ),
    ],
)
async def test_invalid_mappings_are_422_with_a_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, Any], pointer: str
) -> None:
    answer = await client.post(URL, json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert pointer in r.pointers(answer)


async def test_put_with_an_invalid_document_changes_nothing(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    row = await r.make_mapping(client, tenant)
    bad = {"name": row["name"], "document": with_transform(fields={"x": "$string("})}
    answer = await client.put(f"{URL}/{row['id']}", json=bad, headers={**tenant.headers, "If-Match": '"1"'})
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/document/transform/fields/x"]
    assert (await client.get(f"{URL}/{row['id']}", headers=tenant.headers)).json() == row


async def test_patch_merges_into_the_document(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_mapping(client, tenant)
    patch = {"document": {"transform": {"fields": {"title": None, "name": "title"}}}}
    answer = await client.patch(
        f"{URL}/{row['id']}", json=patch, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["document"]["transform"]["fields"] == {"sku": "sku", "name": "title"}


async def test_preview_of_a_saved_mapping(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_mapping(client, tenant)
    records = [{"sku": "A-1", "title": "  Mug "}, {"title": "no sku"}]
    answer = await client.post(
        f"{URL}/{row['id']}/preview", json={"records": records}, headers=tenant.headers
    )
    assert answer.status_code == 200, answer.text
    ok, failed = answer.json()["results"]
    assert ok["output"] == {"sku": "A-1", "title": "Mug", "currency": "USD"} and ok["stoppedAt"] is None
    assert failed["output"] is None and failed["stoppedAt"]["stage"] == "validate"


async def test_preview_of_an_unsaved_document(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    body = {"document": with_transform(fields={"n": "$number(price)"}), "records": [{"price": "3.5"}]}
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["output"] == {"n": 3.5}


async def test_a_preview_shows_where_records_that_are_not_objects_stop(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"document": r.DOCUMENT, "records": [{"sku": "A"}, 5, None]}
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 200, answer.text
    good, number, null = answer.json()["results"]
    assert good["stages"] == {
        "normalize": {"sku": "A"},
        "transform": good["output"],
        "validate": good["output"],
    }
    assert good["fields"]["sku"] == {"value": "A", "compiled": "path", "error": None}
    assert (number["input"], number["stoppedAt"]["code"]) == (5, "not_an_object")
    assert null["input"] is None and null["stoppedAt"] == {
        "stage": "normalize",
        "code": "not_an_object",
        "message": "record is null",
    }


async def test_too_many_records_are_refused_before_any_is_run(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    body = {"records": [{"sku": "x"}] * (MAX_PREVIEW_RECORDS + 1), "document": r.DOCUMENT, "bogus": 1}
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"pointer": "/records", "message": f"at most {MAX_PREVIEW_RECORDS} records per preview"},
        {"pointer": "/bogus", "message": "unknown field"},
    ]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        pytest.param({"document": r.DOCUMENT}, "/records", id="missing-records"),
        pytest.param({"document": r.DOCUMENT, "records": {"a": 1}}, "/records", id="records-not-an-array"),
        pytest.param(
            {"document": r.DOCUMENT, "records": [{}] * (MAX_PREVIEW_RECORDS + 1)},
            "/records",
            id="too-many-records",
        ),
        pytest.param(
            {"document": with_transform(key="a.(("), "records": []},
            "/document/transform/key",
            id="invalid-document",
        ),
        pytest.param({"records": []}, "/document", id="missing-document"),
        pytest.param({"document": r.DOCUMENT, "records": [], "x": 1}, "/x", id="unknown-field"),
    ],
)
async def test_bad_unsaved_previews_are_422(
    client: httpx.AsyncClient, tenant: TestTenant, body: dict[str, Any], pointer: str
) -> None:
    answer = await client.post(f"{URL}/preview", json=body, headers=tenant.headers)
    assert answer.status_code == 422, answer.text
    assert pointer in r.pointers(answer)


async def test_preview_of_another_tenants_mapping_is_404(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant
) -> None:
    row = await r.make_mapping(client, other_tenant)
    answer = await client.post(f"{URL}/{row['id']}/preview", json={"records": []}, headers=tenant.headers)
    assert answer.status_code == 404


async def test_preview_needs_auth(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{URL}/preview", json={"document": r.DOCUMENT, "records": []})
    assert answer.status_code == 401


async def test_deleting_a_mapping_an_instance_uses_is_409(
    client: httpx.AsyncClient, tenant: TestTenant
) -> None:
    instance = await r.make_instance(client, tenant)
    answer = await client.delete(
        f"{URL}/{instance['mappingId']}", headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert answer.status_code == 409
    assert answer.json()["referencedBy"] == {"instances": [instance["id"]]}


async def test_duplicate_names_are_409(client: httpx.AsyncClient, tenant: TestTenant) -> None:
    row = await r.make_mapping(client, tenant)
    answer = await client.post(URL, json=r.mapping_body(name=row["name"]), headers=tenant.headers)
    assert answer.status_code == 409
    assert row["name"] in answer.json()["detail"]
