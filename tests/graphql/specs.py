"""The five configuration resources as GraphQL sees them, with the operations every test shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import resources as r
from tests.conftest import TestTenant
from tests.graphql.conftest import GraphQLClient

MakeRest = Callable[[httpx.AsyncClient, TestTenant], Awaitable[dict[str, Any]]]
ERRORS = "__typename ... on Error { message } ... on ValidationError { fieldErrors { pointer message } }"


@dataclass(frozen=True)
class Spec:
    type_name: str  # "Instance"
    field: str  # "instance": the single query and the payload's field
    plural: str  # "instances"
    rest_path: str  # "/instances"
    fields: str  # the selection that equals REST's representation
    make_rest: MakeRest
    patch: dict[str, Any]  # a valid GraphQL patch input ...
    changed: tuple[str, Any]  # ... and the member it visibly changes
    enums: tuple[str, ...] = ()  # members that are enums here and lower-case strings in REST
    create_payload: str = ""

    @property
    def payload(self) -> str:
        return f"{self.type_name}Payload"

    def as_rest(self, item: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL object with its enum values spelled as REST spells them."""
        return {k: (v.lower() if k in self.enums and isinstance(v, str) else v) for k, v in item.items()}

    def rest_url(self, id_: str = "") -> str:
        return f"{r.API}{self.rest_path}" + (f"/{id_}" if id_ else "")

    async def get(self, gql: GraphQLClient, id_: str) -> dict[str, Any] | None:
        query = f"query($id: ID!) {{ {self.field}(id: $id) {{ {self.fields} }} }}"
        item: dict[str, Any] | None = (await gql.data(query, {"id": id_}))[self.field]
        return item

    async def create(self, gql: GraphQLClient, input_: dict[str, Any]) -> dict[str, Any]:
        name = f"create{self.type_name}"
        payload = self.create_payload or self.payload
        query = f"""mutation($input: {self.type_name}Input!) {{
          {name}(input: $input) {{ {ERRORS} ... on {payload} {{ {self.field} {{ {self.fields} }} }} }}
        }}"""
        result: dict[str, Any] = (await gql.data(query, {"input": input_}))[name]
        return result

    async def write(
        self, gql: GraphQLClient, verb: str, id_: str, version: int, value: dict[str, Any]
    ) -> dict[str, Any]:
        """`verb` is `update` (merge patch) or `replace`."""
        name = f"{verb}{self.type_name}"
        arg, type_ = (
            ("patch", f"{self.type_name}Patch") if verb == "update" else ("input", f"{self.type_name}Input")
        )
        query = f"""mutation($id: ID!, $v: Int!, $value: {type_}!) {{
          {name}(id: $id, expectedVersion: $v, {arg}: $value) {{
            {ERRORS} ... on VersionMismatchError {{ currentVersion }}
            ... on {self.payload} {{ {self.field} {{ {self.fields} }} }}
          }}
        }}"""
        result: dict[str, Any] = (await gql.data(query, {"id": id_, "v": version, "value": value}))[name]
        return result

    async def delete(self, gql: GraphQLClient, id_: str, version: int) -> dict[str, Any]:
        name = f"delete{self.type_name}"
        query = f"""mutation($id: ID!, $v: Int!) {{
          {name}(id: $id, expectedVersion: $v) {{
            __typename ... on Error {{ message }} ... on VersionMismatchError {{ currentVersion }}
            ... on Deleted {{ id }}
          }}
        }}"""
        result: dict[str, Any] = (await gql.data(query, {"id": id_, "v": version}))[name]
        return result


def input_of(spec: Spec, row: dict[str, Any]) -> dict[str, Any]:
    """A REST row as the GraphQL input that recreates it (a new name where names are unique)."""
    readonly = {
        "id",
        "version",
        "createdAt",
        "updatedAt",
        "secretKeys",
        "status",
        "url",
        "nextRunAt",
        "lastRunAt",
    }
    value = {k: v for k, v in row.items() if k not in readonly}
    if "name" in value:
        value["name"] = r.unique("gql")
    return {k: (v.upper() if k in spec.enums else v) for k, v in value.items()}


PROFILE = Spec(
    "ConnectionProfile",
    "connectionProfile",
    "connectionProfiles",
    "/connection-profiles",
    "id name kind config secretKeys version createdAt updatedAt",
    r.make_profile,
    {"config": {"count": 5, "seed": 1}},
    ("config", {"count": 5, "seed": 1}),
    enums=("kind",),
)
MAPPING = Spec(
    "MappingConfiguration",
    "mappingConfiguration",
    "mappingConfigurations",
    "/mapping-configurations",
    "id name document version createdAt updatedAt",
    r.make_mapping,
    {"name": "renamed-mapping"},
    ("name", "renamed-mapping"),
)
INSTANCE = Spec(
    "Instance",
    "instance",
    "instances",
    "/instances",
    "id name sourceProfileId targetProfileId mappingId options status version createdAt updatedAt",
    r.make_instance,
    {"options": {"batchSize": 5}},
    ("options", {"batchSize": 5}),
    enums=("status",),
)
SCHEDULE = Spec(
    "Schedule",
    "schedule",
    "schedules",
    "/schedules",
    "id instanceId cron timezone enabled overlapPolicy nextRunAt lastRunAt version createdAt updatedAt",
    r.make_schedule,
    {"enabled": False},
    ("enabled", False),
    enums=("overlapPolicy",),
)
ENDPOINT = Spec(
    "WebhookEndpoint",
    "webhookEndpoint",
    "webhookEndpoints",
    "/webhook-endpoints",
    "id instanceId provider topics enabled url version createdAt updatedAt",
    r.make_endpoint,
    {"topics": ["a", "b"]},
    ("topics", ["a", "b"]),
    enums=("provider",),
    create_payload="CreateWebhookEndpointPayload",
)
SPECS = [pytest.param(spec, id=spec.plural) for spec in (PROFILE, MAPPING, INSTANCE, SCHEDULE, ENDPOINT)]
