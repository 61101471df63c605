"""Dashboards: run history, error hot-spots and DLQ depth, aggregated in the database; run progress."""

from ezy.dashboards.service import (
    ErrorHotspot,
    QueueDepth,
    RunBucket,
    RunTotal,
    dlq_depth,
    error_hotspots,
    run_history,
    run_totals,
    watch_run,
)

__all__ = [
    "ErrorHotspot",
    "QueueDepth",
    "RunBucket",
    "RunTotal",
    "dlq_depth",
    "error_hotspots",
    "run_history",
    "run_totals",
    "watch_run",
]
