"""Process-wide resources: settings, the secret box and the queue connection.

One per process (API, worker, scheduler or all three under `ezy up`); state shared across processes
lives in the database and Redis only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Literal

from arq.connections import ArqRedis, RedisSettings
from tortoise import Tortoise

from ezy import db
from ezy.config import Settings
from ezy.expressions import Budget, configure_budget
from ezy.outages import wait_out
from ezy.queue import (
    EmbeddedRedis,
    describe_redis,
    embedded_running,
    embedded_socket,
    open_pool,
    ping,
    redis_settings,
)
from ezy.secretbox import SecretBox, settings_key

log = logging.getLogger("ezy.runtime")
_current: Runtime | None = None


class QueueNotRunning(RuntimeError):
    """A command that joins the embedded queue found no `ezy up` serving it."""


class Runtime:
    """`embedded`: without EZY_REDIS_URL, "start" runs the embedded Redis (`ezy up`, tests) and
    "join" uses the one a running `ezy up` serves (`ezy run`); "none" opens no queue at all, for
    commands that only configure (`ezy up --demo` writing the demo tenant through the services).
    `wait`: a role waits for a database or Redis that is down at start-up instead of failing.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        migrate: bool | None = None,
        embedded: Literal["start", "join", "none"] = "start",
        wait: bool = False,
    ) -> None:
        self.settings = settings
        configure_budget(Budget.from_settings(settings))
        # Embedded SQLite migrates itself at start-up; a server database is migrated by `ezy migrate`.
        self.migrate = migrate if migrate is not None else not db.is_postgres(settings.database_url)
        self.embedded_mode = embedded
        self.wait = wait
        self._embedded: EmbeddedRedis | None = None
        self._keep_alive: asyncio.Task[None] | None = None
        self.redis_settings: RedisSettings | None = None
        self._pool: ArqRedis | None = None
        self.secret_box: SecretBox | None = None

    @property
    def pool(self) -> ArqRedis:
        assert self._pool is not None, "runtime not started"
        return self._pool

    async def start(self) -> Runtime:
        try:
            return await self._start()
        except BaseException:
            await self.stop()  # `async with` does not exit what failed to enter: no orphan Redis
            raise

    async def _start(self) -> Runtime:
        global _current
        self.secret_box = SecretBox(settings_key(self.settings.secret_key, self.settings.data_dir))
        if self.embedded_mode == "none":
            await self._start_database()
            _current = self
            return self
        # The embedded Redis first: it is forked before the database driver starts its threads.
        self.redis_settings = redis_settings(self.settings.redis_url, self._embedded_socket())
        await self._start_database()
        if self.wait:
            await wait_out(lambda: ping(self._settings()), what=describe_redis(self._settings()), log=log)
        self._pool = await open_pool(self.redis_settings)
        _current = self
        return self

    async def _start_database(self) -> None:
        if self.migrate:
            applied = await db.migrate(self.settings.database_url)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        if self.wait:
            await wait_out(self._init_db, what="the database", log=log)
        else:
            await db.init_db(self.settings.database_url)

    def _settings(self) -> RedisSettings:
        assert self.redis_settings is not None
        return self.redis_settings

    def _embedded_socket(self) -> str | None:
        if not self.settings.embedded_queue:
            return None
        if self.embedded_mode == "join":
            if not embedded_running(self.settings.data_dir):
                raise QueueNotRunning(
                    f"no `ezy up` is running with the data directory {self.settings.data_dir.resolve()}: "
                    "start it there first (its worker runs what this queues), or set EZY_REDIS_URL"
                )
            return embedded_socket(self.settings.data_dir)
        self._embedded = EmbeddedRedis(self.settings.data_dir)
        socket_path = self._embedded.start()
        self._keep_alive = asyncio.create_task(self._embedded.keep_alive())
        return socket_path

    async def _init_db(self) -> None:
        await db.close_db()  # a half-initialised attempt must not linger
        await db.init_db(self.settings.database_url)
        await check_database()

    async def check_redis(self) -> None:
        """Raises if Redis does not answer (the pool reconnects by itself once it does)."""
        await self.pool.ping()

    async def stop(self) -> None:
        global _current
        if self._keep_alive is not None:
            self._keep_alive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keep_alive
            self._keep_alive = None
        if self._pool is not None:
            with contextlib.suppress(Exception):  # Redis may be down: stopping must still finish
                await self._pool.aclose()
            self._pool = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
        await db.close_db()
        if _current is self:
            _current = None

    async def __aenter__(self) -> Runtime:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


async def check_database() -> None:
    """Raises if the database does not answer."""
    await Tortoise.get_connection("default").execute_query("SELECT 1")


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the EZY runtime is not started in this process")
    return _current
