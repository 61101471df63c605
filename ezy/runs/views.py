"""The JSON shapes of runs: a sync log, a sync event, an entity error (api.md)."""

from __future__ import annotations

from typing import Any

from ezy.pipeline.records import STAGES
from ezy.runs.models import EntityError, SyncLog
from ezy.timefmt import rfc3339

EMPTY_STAGE = {"in": 0, "out": 0, "failed": 0, "ms": 0.0}


def counts(log: SyncLog) -> dict[str, int]:
    return {"total": log.total, "success": log.success, "failed": log.failed, "skipped": log.skipped}


def sync_log_view(log: SyncLog) -> dict[str, Any]:
    return {
        "id": str(log.id),
        "instanceId": str(log.instance_id),
        "correlationId": str(log.correlation_id),
        "trigger": log.trigger,
        "status": log.status,
        "counts": counts(log),
        "stages": {str(s): {**EMPTY_STAGE, **(log.stages or {}).get(str(s), {})} for s in STAGES},
        "attempt": log.attempt,
        "overlap": log.overlap,
        "createdAt": rfc3339(log.created_at),
        "startedAt": rfc3339(log.started_at),
        "finishedAt": rfc3339(log.finished_at),
        "error": log.error,
    }


def sync_event_view(log: SyncLog) -> dict[str, Any]:
    return {
        "correlationId": str(log.correlation_id),
        "instanceId": str(log.instance_id),
        "status": log.status,
        "counts": counts(log),
        "syncLogId": str(log.id),
        "startedAt": rfc3339(log.started_at),
        "finishedAt": rfc3339(log.finished_at),
    }


def entity_error_view(error: EntityError) -> dict[str, Any]:
    return {
        "id": str(error.id),
        "entityKey": error.entity_key,
        "stage": error.stage,
        "code": error.code,
        "message": error.message,
        "details": error.details,
        "deadLetterId": str(error.dead_letter_id) if error.dead_letter_id else None,
        "createdAt": rfc3339(error.created_at),
    }
