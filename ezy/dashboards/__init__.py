"""Dashboards: run history, error hot-spots and DLQ depth, aggregated in the database; run progress."""

from ezy.dashboards.service import (
    ErrorHotspot,
    QueueDepth,
    RunBucket,
    dlq_depth,
    error_hotspots,
    run_history,
    watch_run,
)

__all__ = [
    "ErrorHotspot",
    "QueueDepth",
    "RunBucket",
    "dlq_depth",
    "error_hotspots",
    "run_history",
    "watch_run",
]
