"""What every configuration resource does alike: auth, tenancy, paging, JSON, ETags, If-Match."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ezy.mergepatch import merge_patch
from tests import resources as r
from tests.conftest import TestTenant

Make = Callable[[httpx.AsyncClient, TestTenant], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    path: str
    make: Make
    patch: dict[str, Any]  # a valid merge patch ...
    changed: tuple[str, Any]  # ... and the member it visibly changes

    def put_body(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row's input representation with the patch applied: a valid PUT body."""
        readonly = {"id", "version", "createdAt", "updatedAt", "secretKeys", "status", "url"}
        readonly |= {"nextRunAt", "lastRunAt"}
        body: dict[str, Any] = merge_patch({k: v for k, v in row.items() if k not in readonly}, self.patch)
        return body


CASES = [
    pytest.param(
        Case(
            "/connection-profiles",
            r.make_profile,
            {"config": {"count": 5}},
            ("config", {"count": 5, "seed": 1}),
        ),
        id="connection-profiles",
    ),
    pytest.param(
        Case("/mapping-configurations", r.make_mapping, {"name": "renamed-m"}, ("name", "renamed-m")),
        id="mapping-configurations",
    ),
    pytest.param(
        Case("/instances", r.make_instance, {"name": "renamed-i"}, ("name", "renamed-i")), id="instances"
    ),
    pytest.param(Case("/schedules", r.make_schedule, {"enabled": False}, ("enabled", False)), id="schedules"),
    pytest.param(
        Case("/webhook-endpoints", r.make_endpoint, {"topics": ["a", "b"]}, ("topics", ["a", "b"])),
        id="webhook-endpoints",
    ),
]
pytestmark = pytest.mark.parametrize("case", CASES)


def url(case: Case, suffix: str = "") -> str:
    return f"{r.API}{case.path}{suffix}"


async def test_create_answers_201_with_location_and_etag_and_get_matches(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, tenant)
    got = await client.get(url(case, f"/{row['id']}"), headers=tenant.headers)
    assert got.status_code == 200
    assert got.headers["etag"] == '"1"'
    assert got.json() == row
    assert row["version"] == 1


async def test_create_sets_location(client: httpx.AsyncClient, tenant: TestTenant, case: Case) -> None:
    row = await case.make(client, tenant)
    body = case.put_body(row)
    body.pop("name", None)
    if "name" in row:
        body["name"] = r.unique("again")
    answer = await client.post(url(case), json=body, headers=tenant.headers)
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == url(case, f"/{answer.json()['id']}")
    assert answer.headers["etag"] == '"1"'


async def test_list_is_newest_first_and_counts_only_the_tenant(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, case: Case
) -> None:
    first, second = await case.make(client, tenant), await case.make(client, tenant)
    await case.make(client, other_tenant)
    page = (await client.get(url(case), params={"pageSize": 1}, headers=tenant.headers)).json()
    assert page["total"] == 2 and page["pageSize"] == 1
    assert [item["id"] for item in page["items"]] == [second["id"]]
    page2 = (await client.get(url(case), params={"page": 2, "pageSize": 1}, headers=tenant.headers)).json()
    assert [item["id"] for item in page2["items"]] == [first["id"]]
    past = (await client.get(url(case), params={"page": 9}, headers=tenant.headers)).json()
    assert past["items"] == [] and past["total"] == 2


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"page": "0"}, id="page-0"),
        pytest.param({"pageSize": "1000"}, id="page-size-1000"),
        pytest.param({"page": "abc"}, id="non-numeric-page"),
        pytest.param({"nosuchfilter": "x"}, id="unknown-filter"),
    ],
)
async def test_bad_query_parameters_are_400(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, params: dict[str, str]
) -> None:
    answer = await client.get(url(case), params=params, headers=tenant.headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


async def test_missing_auth_is_401(client: httpx.AsyncClient, tenant: TestTenant, case: Case) -> None:
    row = await case.make(client, tenant)
    for method, path in (("GET", url(case)), ("POST", url(case)), ("GET", url(case, f"/{row['id']}"))):
        answer = await client.request(method, path, json={})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "ApiKey"


async def test_another_tenants_resource_is_404_for_every_verb(
    client: httpx.AsyncClient, tenant: TestTenant, other_tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, other_tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = case.put_body(row) if method != "GET" else None
        answer = await client.request(method, url(case, f"/{row['id']}"), json=body, headers=headers)
        assert answer.status_code == 404, (method, answer.text)
    again = await client.get(url(case, f"/{row['id']}"), headers=other_tenant.headers)
    assert again.json() == row  # untouched


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
async def test_unknown_or_malformed_id_is_404(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, bad_id: str
) -> None:
    assert (await client.get(url(case, f"/{bad_id}"), headers=tenant.headers)).status_code == 404
    headers = {**tenant.headers, "If-Match": '"1"'}
    assert (await client.delete(url(case, f"/{bad_id}"), headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        pytest.param(b'{"name": ', "application/json", 400, id="malformed-json"),
        pytest.param(b"[1, 2]", "application/json", 422, id="not-an-object"),
        pytest.param(b"name=x", "application/x-www-form-urlencoded", 415, id="wrong-media-type"),
    ],
)
async def test_bad_bodies_on_create(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, content: bytes, content_type: str, status: int
) -> None:
    headers = {**tenant.headers, "Content-Type": content_type}
    answer = await client.post(url(case), content=content, headers=headers)
    assert answer.status_code == status
    assert answer.json()["status"] == status


async def test_unknown_field_is_422_with_its_pointer(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, tenant)
    body = case.put_body(row) | {"bogus": 1}
    answer = await client.put(
        url(case, f"/{row['id']}"), json=body, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert answer.status_code == 422
    assert r.pointers(answer) == ["/bogus"]


async def test_put_with_current_etag_updates_and_bumps_the_etag(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    answer = await client.put(url(case, f"/{row['id']}"), json=case.put_body(row), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"2"'
    member, value = case.changed
    assert answer.json()[member] == value
    assert (await client.get(url(case, f"/{row['id']}"), headers=tenant.headers)).json() == answer.json()


@pytest.mark.parametrize("media_type", ["application/merge-patch+json", "application/json"])
async def test_patch_merges_and_bumps_the_etag(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, media_type: str
) -> None:
    row = await case.make(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"', "Content-Type": media_type}
    answer = await client.patch(url(case, f"/{row['id']}"), json=case.patch, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"2"'
    member, value = case.changed
    assert answer.json()[member] == value
    untouched = {k: v for k, v in row.items() if k not in {member, "version", "updatedAt", "nextRunAt"}}
    assert {k: answer.json()[k] for k in untouched} == untouched


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_stale_if_match_is_412_with_the_current_etag(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, method: str
) -> None:
    row = await case.make(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    assert (
        await client.patch(url(case, f"/{row['id']}"), json=case.patch, headers=headers)
    ).status_code == 200
    body = case.put_body(row) if method == "PUT" else case.patch
    answer = await client.request(method, url(case, f"/{row['id']}"), json=body, headers=headers)
    assert answer.status_code == 412
    assert answer.headers["etag"] == '"2"'


@pytest.mark.parametrize("if_match", [None, "*"])
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_missing_if_match_is_428(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case, method: str, if_match: str | None
) -> None:
    row = await case.make(client, tenant)
    headers = tenant.headers | ({"If-Match": if_match} if if_match else {})
    answer = await client.request(
        method, url(case, f"/{row['id']}"), json=case.put_body(row), headers=headers
    )
    assert answer.status_code == 428
    assert (await client.get(url(case, f"/{row['id']}"), headers=tenant.headers)).json() == row


async def test_two_writers_with_the_same_etag_one_wins(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, tenant)
    headers = {**tenant.headers, "If-Match": '"1"'}
    answers = await asyncio.gather(
        *(client.patch(url(case, f"/{row['id']}"), json=case.patch, headers=headers) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [200, 412, 412]


async def test_delete_answers_204_and_the_resource_is_gone(
    client: httpx.AsyncClient, tenant: TestTenant, case: Case
) -> None:
    row = await case.make(client, tenant)
    answer = await client.delete(url(case, f"/{row['id']}"), headers={**tenant.headers, "If-Match": '"1"'})
    assert answer.status_code == 204
    assert (await client.get(url(case, f"/{row['id']}"), headers=tenant.headers)).status_code == 404
