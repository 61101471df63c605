"""Process-wide resources: settings, the secret box and the queue connection.

One per process (API, worker, scheduler or all three under `ezy up`); state shared across processes
lives in the database and Redis only.
"""

from __future__ import annotations

import logging
from types import TracebackType

from arq.connections import ArqRedis, RedisSettings

from ezy import db
from ezy.config import Settings
from ezy.expressions import Budget, configure_budget
from ezy.queue import EmbeddedRedis, open_pool, redis_settings
from ezy.secretbox import SecretBox, load_or_create_key

log = logging.getLogger("ezy.runtime")
_current: Runtime | None = None


class Runtime:
    def __init__(self, settings: Settings, *, migrate: bool | None = None) -> None:
        self.settings = settings
        configure_budget(Budget.from_settings(settings))
        # Embedded SQLite migrates itself at start-up; a server database is migrated by `ezy migrate`.
        self.migrate = migrate if migrate is not None else not db.is_postgres(settings.database_url)
        self._embedded: EmbeddedRedis | None = None
        self.redis_settings: RedisSettings | None = None
        self._pool: ArqRedis | None = None
        self.secret_box: SecretBox | None = None

    @property
    def pool(self) -> ArqRedis:
        assert self._pool is not None, "runtime not started"
        return self._pool

    def _secret_key(self) -> str:
        if self.settings.secret_key:
            return self.settings.secret_key
        path = self.settings.data_dir / "secret.key"
        existed = path.exists()
        key = load_or_create_key(path)
        if not existed:
            log.warning("EZY_SECRET_KEY is not set: created a key at %s; back it up", path)
        return key

    async def start(self) -> Runtime:
        global _current
        self.secret_box = SecretBox(self._secret_key())
        if self.migrate:
            applied = await db.migrate(self.settings.database_url)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        await db.init_db(self.settings.database_url)
        socket_path = None
        if self.settings.embedded_queue:
            self._embedded = EmbeddedRedis(self.settings.data_dir)
            socket_path = self._embedded.start()
        self.redis_settings = redis_settings(self.settings.redis_url, socket_path)
        self._pool = await open_pool(self.redis_settings)
        _current = self
        return self

    async def stop(self) -> None:
        global _current
        if self._pool is not None:
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


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the EZY runtime is not started in this process")
    return _current
