"""`ezy run --follow`: live progress of one run in the terminal (rich), then its final counts."""

from __future__ import annotations

import asyncio
import time

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ezy.pipeline.records import STAGES
from ezy.runs.models import SyncLog
from ezy.runs.service import TERMINAL

POLL_SECONDS = 0.25
NO_WORKER_HINT_SECONDS = 5.0


def render(log: SyncLog) -> Table:
    table = Table(title=f"{log.status} (run {log.correlation_id})", title_justify="left")
    for column in ("stage", "in", "out", "failed", "ms"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for stage in STAGES:
        counts = (log.stages or {}).get(str(stage), {})
        table.add_row(str(stage), *(str(counts.get(k, 0)) for k in ("in", "out", "failed", "ms")))
    table.caption = (
        f"total {log.total}  success {log.success}  failed {log.failed}  skipped {log.skipped}"
        + (f"\n{log.error}" if log.error else "")
    )
    return table


def progress_bar(console: Console) -> tuple[Progress, TaskID]:
    # The source's size is rarely known up front: the bar pulses and counts records as they land.
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        console=console,
    )
    return bar, bar.add_task("queued", total=None)


async def follow(log_id: object, console: Console) -> SyncLog:
    started = time.monotonic()
    hinted = False
    log = await SyncLog.get(id=log_id)
    bar, task = progress_bar(console)
    with Live(Group(bar, render(log)), console=console, refresh_per_second=8) as live:
        while log.status not in TERMINAL:
            await asyncio.sleep(POLL_SECONDS)
            log = await SyncLog.get(id=log_id)
            bar.update(task, description=log.status, completed=log.total)
            live.update(Group(bar, render(log)))
            if not hinted and log.status == "queued" and time.monotonic() - started > NO_WORKER_HINT_SECONDS:
                console.print("[yellow]still queued: is `ezy up` or `ezy worker` running?[/yellow]")
                hinted = True
        bar.update(task, description=log.status, completed=log.total, total=log.total or 1)
        live.update(Group(bar, render(log)))
    return log
