"""Where a run's records come from, chosen by its trigger, and what the run owes them at its end.

    trigger          source                 records
    schedule, api    ConnectorExtract       the instance's source connector, from its cursor
    replay           DlqReplay              claimed dead letters, from normalize (`ezy.runs.replay`)
    webhook          WebhookDeliveries      accepted deliveries (`ezy.webhooks.run_source`)

The executor knows only the `RunSource` protocol: the runs package imports nothing from the
webhooks package, whose source is registered by the processes that execute runs (the worker wires
it at start-up, `workers/jobs.py`). A trigger nobody registered fails its run with a clear error.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ezy.connectors.base import Connector
from ezy.instances.models import Instance
from ezy.pipeline.mapping import MappingDocument
from ezy.pipeline.records import RunFailed, Stage
from ezy.pipeline.retry import RetryPolicy
from ezy.pipeline.runner import run_pipeline
from ezy.runs.journal import DbJournal
from ezy.runs.models import SyncLog, SyncStatus, SyncTrigger


@dataclass(frozen=True)
class RunInputs:
    """What the executor opened for one attempt of a run."""

    instance: Instance
    source: Connector
    target: Connector
    document: MappingDocument
    journal: DbJournal
    retry: RetryPolicy


class RunSource(Protocol):
    async def run(self, log: SyncLog, inputs: RunInputs) -> None:
        """Streams the run's records through the pipeline; the journal records the progress."""

    async def give_back(self, log: SyncLog) -> None:
        """The run will not complete (failed or cancelled): release what it claimed, before its
        final status is written (so no crash in between leaves a claim behind a final run)."""

    async def settle(self, log: SyncLog, status: SyncStatus, error: str | None) -> None:
        """The run's final status is written: settle what it took (a webhook's deliveries)."""

    async def released(self, log: SyncLog) -> None:
        """The instance lock was released after an attempt (ended, or back in the queue)."""

    async def replayed(self, replay: SyncLog, origins: Iterable[uuid.UUID]) -> None:
        """`replay` re-ran failed records of the runs `origins` (of any trigger)."""


class BaseRunSource:
    """A source that owes its records nothing beyond the pipeline (the hooks do nothing)."""

    async def run(self, log: SyncLog, inputs: RunInputs) -> None:
        raise NotImplementedError

    async def give_back(self, log: SyncLog) -> None:
        return None

    async def settle(self, log: SyncLog, status: SyncStatus, error: str | None) -> None:
        return None

    async def released(self, log: SyncLog) -> None:
        return None

    async def replayed(self, replay: SyncLog, origins: Iterable[uuid.UUID]) -> None:
        return None


class ConnectorExtract(BaseRunSource):
    """Scheduled and API runs: the source connector's pages, from the instance's cursor."""

    async def run(self, log: SyncLog, inputs: RunInputs) -> None:
        await run_pipeline(
            inputs.source,
            inputs.target,
            inputs.document,
            inputs.journal,
            cursor=inputs.instance.cursor,
            start_stage=Stage.EXTRACT,
            retry=inputs.retry,
        )


class _Unregistered(BaseRunSource):
    def __init__(self, trigger: SyncTrigger) -> None:
        self.trigger = trigger

    async def run(self, log: SyncLog, inputs: RunInputs) -> None:
        raise RunFailed(f"this worker has no run source for trigger {self.trigger.value!r}")


_EXTRACT = ConnectorExtract()
_SOURCES: dict[SyncTrigger, RunSource] = {SyncTrigger.SCHEDULE: _EXTRACT, SyncTrigger.API: _EXTRACT}


def register(trigger: SyncTrigger, source: RunSource) -> None:
    """Makes `source` the one for runs of `trigger` (the last registration wins)."""
    _SOURCES[trigger] = source


def source_for(trigger: SyncTrigger | str) -> RunSource:
    trigger = SyncTrigger(trigger)
    return _SOURCES.get(trigger) or _Unregistered(trigger)


def registered() -> list[RunSource]:
    return list(dict.fromkeys(_SOURCES.values()))
