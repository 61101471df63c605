"""The dead letter queue as clients read and act on it (REST, GraphQL and OpenAPI derive from these).

A message answers its source record (`payload`, what a replay runs) and, for validate and load
failures, the mapped record (`mappedPayload`, display only). Lists leave both and the history out in
REST (`DeadLetterSummary`); GraphQL selects what it needs from the one type.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator, model_validator

from ezy.contract import Contract, Filter, JSONObject, JSONValue, Timestamp, View
from ezy.dlq.models import DeadLetterStatus
from ezy.pipeline.records import Stage

MAX_PAYLOAD_BYTES = 1_000_000
MAX_IDS = 1000


class DeadLetterError(View):
    """Why the record failed."""

    code: str
    message: str


class DeadLetterSummary(View):
    """A record that failed a stage, without its records and history (REST's list items)."""

    id: UUID
    instance_id: UUID
    sync_log_id: UUID
    status: DeadLetterStatus
    stage: Stage
    entity_key: str | None
    error: DeadLetterError
    attempts: int = Field(ge=1)
    resolved_by_sync_log_id: UUID | None
    created_at: Timestamp
    updated_at: Timestamp


class DeadLetterView(DeadLetterSummary):
    """A record that failed a stage: its source record and, past transform, the mapped one."""

    payload: JSONValue | None = Field(
        default=None,
        description="The source record, as it entered normalize: what a replay runs. Null on a legacy "
        "message (stored mapped only). Up to 1 MB: on long lists, select it from `deadLetter(id)`.",
    )
    mapped_payload: JSONValue | None = Field(
        default=None,
        description="The mapped record, for validate and load failures (display only); else null.",
    )
    history: list[JSONObject] = Field(
        default_factory=list, description="Replays, edits and discards, oldest first."
    )


class DeadLetterFilter(Filter):
    """Selects pending messages for a bulk action; omitted fields do not filter."""

    LOOKUPS: ClassVar[dict[str, str]] = {"from_": "created_at__gte", "to": "created_at__lt"}

    instance_id: UUID | None = None
    stage: Stage | None = None
    code: str | None = None
    from_: Timestamp | None = Field(default=None, alias="from", description="Created at or after.")
    to: Timestamp | None = Field(default=None, description="Created before.")


class DeadLetterListFilter(DeadLetterFilter):
    """A list's filters: a bulk selection's, and the status (bulk actions take pending messages)."""

    status: DeadLetterStatus | None = None


def _optional_not_null(*names: str) -> Any:
    """JSON Schema of members that may be omitted but not sent as null (a `None` default)."""

    def edit(schema: dict[str, Any]) -> None:
        for name in names:
            member = schema["properties"][name]
            member.pop("default", None)
            options = [o for o in member.pop("anyOf", []) if o != {"type": "null"}]
            member.update(options[0] if len(options) == 1 else {"anyOf": options} if options else {})

    return edit


class ReplayInput(Contract):
    """A replay, optionally of an edited source record (in the source's shape) instead of the stored one."""

    model_config = ConfigDict(json_schema_extra=_optional_not_null("payload"))

    payload: JSONObject | None = Field(
        default=None,
        description="An edited source record, replayed from normalize instead of the stored one.",
    )

    @field_validator("payload", mode="before")
    @classmethod
    def _a_record(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("payload must be a JSON object (a record)")
        if len(json.dumps(value)) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"payload must be at most {MAX_PAYLOAD_BYTES} bytes of JSON")
        return value

    @property
    def edited(self) -> bool:
        return "payload" in self.model_fields_set


class BulkActionInput(Contract):
    """Either explicit ids or a filter."""

    model_config = ConfigDict(json_schema_extra=_optional_not_null("ids", "filter"))

    ids: list[UUID] | None = Field(
        default=None, min_length=1, max_length=MAX_IDS, description=f"1 to {MAX_IDS} message ids."
    )
    filter: DeadLetterFilter | None = Field(
        default=None, description="Every pending message that matches all the given fields."
    )

    @field_validator("ids", "filter", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_of(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("ids" in data) == ("filter" in data):
            raise ValueError("give either ids or filter")
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        schema = handler(core_schema)
        schema = handler.resolve_ref_schema(schema)
        schema["oneOf"] = [{"required": ["ids"]}, {"required": ["filter"]}]
        return schema


class BulkAnswer(View):
    """How many messages the bulk action took (REST's 202 `{count}`)."""

    count: int = Field(ge=0)


class ReplayAccepted(View):
    """A run with trigger `replay` was queued: follow it at `/sync-events/{correlationId}`."""

    correlation_id: UUID
    status: str = Field(description="`queued`.")
    sync_log_id: UUID
