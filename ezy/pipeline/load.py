"""Load: the target's write, in the mapping's batch size, one result per record.

A transient error (connection lost, overload) retries the whole batch with backoff: keyed
upserts make the repeat harmless. After the policy's attempts the run fails, before any
checkpoint for that batch, so a later run reads it again.
"""

from __future__ import annotations

from ezy.connectors.base import Connector, ConnectorError, TransientError, WriteResult
from ezy.pipeline.mapping import LoadSection
from ezy.pipeline.records import Entry, FailureCode, RecordFailure, RunFailed, Stage, StageResult, fail
from ezy.pipeline.retry import RetryPolicy


class LoadStage:
    stage = Stage.LOAD

    def __init__(self, section: LoadSection, target: Connector, policy: RetryPolicy) -> None:
        self._section = section
        self._target = target
        self._policy = policy

    async def run(self, entries: list[Entry]) -> StageResult:
        result = StageResult(ok=[])
        size = self._section.batch_size
        for start in range(0, len(entries), size):
            chunk = entries[start : start + size]
            results, attempts = await self._write(chunk)
            for entry, written in zip(chunk, results, strict=True):
                if written.ok:
                    result.ok.append(entry)
                else:
                    result.failures.append(_failure(entry, written, attempts))
        return result

    async def _write(self, chunk: list[Entry]) -> tuple[list[WriteResult], int]:
        section, records = self._section, [e.record for e in chunk]
        attempts = 0
        results: list[WriteResult] = []
        try:
            async for attempt in self._policy.retrying(TransientError):
                with attempt:
                    attempts += 1
                    results = await self._target.write(
                        section.resource or "",
                        records,
                        mode=section.mode,
                        keys=section.keys,
                        create_table=section.create_table,
                    )
        except TransientError as exc:
            raise RunFailed(f"load failed after {self._policy.attempts} attempts: {exc}") from exc
        except ConnectorError as exc:
            raise RunFailed(f"load failed: {exc}") from exc
        if len(results) != len(records):
            raise RunFailed(f"target answered {len(results)} results for {len(records)} records")
        return results, attempts


def _failure(entry: Entry, written: WriteResult, attempts: int) -> RecordFailure:
    code = written.code or FailureCode.LOAD_REJECTED
    return fail(entry, Stage.LOAD, code, written.message or "rejected by the target", attempts=attempts)
