"""Webhook runs as a run source (`ezy.runs.sources`): the runs package never imports this package.

A webhook run takes its instance's accepted deliveries in micro-batches (`batches`), or, for a run
made before micro-batches, the one delivery it names. When the run ends its deliveries are settled;
when it lets go of the instance lock, deliveries that arrived meanwhile get the next run (`pickup`).
`register()` is called by the processes that execute runs (the worker, at start-up).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ezy.pipeline.records import Stage
from ezy.pipeline.runner import run_pipeline
from ezy.runs import sources
from ezy.runs.models import SyncLog, SyncStatus, SyncTrigger
from ezy.webhooks import batches, pickup
from ezy.webhooks.receiver import delivery_records, settle_delivery
from ezy.webhooks.service import settle_replayed_deliveries


class WebhookDeliveries(sources.BaseRunSource):
    async def run(self, log: SyncLog, inputs: sources.RunInputs) -> None:
        if batches.is_batch(log):
            await batches.run_batches(log, inputs.target, inputs.document, inputs.journal, inputs.retry)
            return
        await run_pipeline(
            inputs.source,
            inputs.target,
            inputs.document,
            inputs.journal,
            records=await delivery_records(log),
            start_stage=Stage.EXTRACT,
            retry=inputs.retry,
        )

    async def settle(self, log: SyncLog, status: SyncStatus, error: str | None) -> None:
        await settle_delivery(log, status, error)  # processed or failed

    async def released(self, log: SyncLog) -> None:
        await pickup.after_run(log)

    async def replayed(self, replay: SyncLog, origins: Iterable[uuid.UUID]) -> None:
        await settle_replayed_deliveries(replay, origins)


def register() -> None:
    sources.register(SyncTrigger.WEBHOOK, WebhookDeliveries())
