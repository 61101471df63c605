"""Instances as clients write and read them (REST, GraphQL and OpenAPI derive from these).

`status` is not part of an input: it moves only through activate and deactivate. The three ids must be
your tenant's; the service checks that they exist once the shape here is valid.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, WithJsonSchema

from ezy.contract import Contract, Filter, JSONObject, Name, ResourceView
from ezy.instances.models import InstanceStatus
from ezy.instances.options import options_schema

OPTIONS = "Run options (retries, backoff); other members are kept as given and ignored by runs."
# A JSON object whose known members `ezy.instances.options.InstanceOptions` checks (in the service).
Options = Annotated[JSONObject, WithJsonSchema(options_schema())]


class InstanceInput(Contract):
    """A whole instance (create, PUT); ids must be your tenant's. `options` null or omitted: none."""

    name: Name
    source_profile_id: UUID = Field(description="The connection profile records come from.")
    target_profile_id: UUID = Field(description="The connection profile records go to.")
    mapping_id: UUID = Field(description="The mapping configuration records go through.")
    options: Options | None = Field(default=None, description=OPTIONS)


class InstancePatch(Contract):
    """A JSON Merge Patch of an instance: omitted members stay, null removes (`options` members too)."""

    name: Name | None = None
    source_profile_id: UUID | None = None
    target_profile_id: UUID | None = None
    mapping_id: UUID | None = None
    options: Options | None = Field(default=None, description=OPTIONS)


class InstanceView(ResourceView):
    """A source, a target and a mapping that run together."""

    name: str
    source_profile_id: UUID
    target_profile_id: UUID
    mapping_id: UUID
    options: Options = Field(description=OPTIONS)
    status: InstanceStatus = Field(
        description="`inactive` after create; changed only by activate/deactivate."
    )


class InstanceFilter(Filter):
    status: InstanceStatus | None = None
    source_profile_id: UUID | None = None
    target_profile_id: UUID | None = None
    mapping_id: UUID | None = None
