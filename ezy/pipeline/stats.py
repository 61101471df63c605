"""Counts per stage and per run. After every flush, `total = success + failed + skipped`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ezy.pipeline.records import STAGES, Stage


@dataclass(slots=True)
class StageStats:
    in_: int = 0
    out: int = 0
    failed: int = 0
    skipped: int = 0  # only transform's filter skips
    ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"in": self.in_, "out": self.out, "failed": self.failed, "ms": round(self.ms, 1)}


@dataclass(slots=True)
class RunStats:
    total: int = 0
    success: int = 0
    failed: int = 0
    skipped: int = 0
    stages: dict[Stage, StageStats] = field(default_factory=lambda: {s: StageStats() for s in STAGES})

    def snapshot(self) -> RunStats:
        return replace(self, stages={s: replace(st) for s, st in self.stages.items()})

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "success": self.success, "failed": self.failed, "skipped": self.skipped}

    def as_dict(self) -> dict[str, Any]:
        """The sync log's `counts` and `stages` objects."""
        stages = {str(s): st.as_dict() for s, st in self.stages.items()}
        stages[Stage.TRANSFORM]["skipped"] = self.stages[Stage.TRANSFORM].skipped
        return {"counts": self.counts(), "stages": stages}
