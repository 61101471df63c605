"""Runs as clients trigger and read them (REST, GraphQL and OpenAPI derive from these).

A sync log is one run of an instance; a sync event is the same run seen by its trigger (by
correlation id); an entity error is a record that failed a stage. Views are read from rows and
never written by clients; the only input is the trigger (`SyncEventInput`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic import BeforeValidator, ConfigDict, Field

from ezy.contract import Contract, Filter, JSONObject, View
from ezy.runs.models import PipelineStage, SyncLog, SyncStatus, SyncTrigger
from ezy.timefmt import parse_rfc3339


def _rfc3339(value: Any) -> Any:
    # Strictly RFC 3339 (a naive one is UTC): pydantic alone would take `1` as a Unix time.
    if isinstance(value, str):
        try:
            return parse_rfc3339(value)
        except ValueError:
            raise ValueError("must be an RFC 3339 timestamp") from None
    return value


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339)]
Count = Annotated[int, Field(ge=0)]


class RunCounts(View):
    """Records of a run: `total = success + failed + skipped`."""

    total: Count
    success: Count
    failed: Count
    skipped: Count


class StageCounts(View):
    """What one stage took in, passed on and failed, and how long it took."""

    # Stored counts may carry members a later version added: reading a row never fails on them.
    # Every member is answered, defaults included (OpenAPI: all required).
    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)

    in_: Count = Field(default=0, alias="in")
    out: Count = 0
    failed: Count = 0
    ms: float = Field(default=0.0, ge=0, description="Milliseconds spent in the stage.")


class TransformStageCounts(StageCounts):
    """Transform's counts, with the records its filter skipped."""

    skipped: Count = 0


class RunStages(View):
    """Per-stage counts of a run (zeros for a stage not reached)."""

    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)

    extract: StageCounts = Field(default_factory=StageCounts)
    normalize: StageCounts = Field(default_factory=StageCounts)
    transform: TransformStageCounts = Field(default_factory=TransformStageCounts)
    validate_: StageCounts = Field(default_factory=StageCounts, alias="validate")
    load: StageCounts = Field(default_factory=StageCounts)


class SyncLogView(View):
    """One run of an instance; its history outlives the instance."""

    id: UUID
    instance_id: UUID
    correlation_id: UUID
    trigger: SyncTrigger
    status: SyncStatus
    counts: RunCounts
    stages: RunStages
    attempt: int = Field(ge=0, description="Tries so far (a transient failure or a lost worker adds one).")
    overlap: str | None = Field(description="`waited` or `skipped` when it met another run.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class SyncEventView(View):
    """A run as its trigger sees it, by correlation id (REST's sync event)."""

    correlation_id: UUID
    instance_id: UUID
    status: SyncStatus
    counts: RunCounts
    sync_log_id: UUID
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, log: SyncLog) -> Self:
        return cls(
            correlation_id=log.correlation_id,
            instance_id=log.instance_id,
            status=log.status,
            counts=RunCounts.model_validate(log.counts),
            sync_log_id=log.id,
            started_at=log.started_at,
            finished_at=log.finished_at,
        )


class SyncStartedView(View):
    """A run was queued: follow it at `/sync-events/{correlationId}`."""

    correlation_id: UUID
    status: SyncStatus
    sync_log_id: UUID

    @classmethod
    def of(cls, log: SyncLog) -> Self:
        return cls(correlation_id=log.correlation_id, status=log.status, sync_log_id=log.id)


class EntityErrorView(View):
    """A record that failed a stage; `deadLetterId` is its message in the DLQ."""

    id: UUID
    entity_key: str | None
    stage: PipelineStage
    code: str
    message: str
    details: JSONObject
    dead_letter_id: UUID | None
    created_at: datetime


class SyncEventInput(Contract):
    """Triggers a run of an active instance of your tenant."""

    instance_id: UUID = Field(description="The instance to run.")


class SyncLogFilter(Filter):
    """`from` and `to` bound when the run was created."""

    LOOKUPS: ClassVar[dict[str, str]] = {"from_": "created_at__gte", "to": "created_at__lt"}

    instance_id: UUID | None = None
    status: SyncStatus | None = None
    trigger: SyncTrigger | None = None
    from_: Timestamp | None = Field(default=None, alias="from", description="Created at or after.")
    to: Timestamp | None = Field(default=None, description="Created before.")
