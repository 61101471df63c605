from __future__ import annotations

import pytest

from ezy.config import Settings


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        pytest.param({}, True, id="embedded-default"),
        pytest.param({"EZY_REDIS_URL": "redis://r:6379/0"}, False, id="with-redis"),
        pytest.param({"EZY_DATABASE_URL": "postgres://db/ezy"}, False, id="with-postgres"),
        pytest.param(
            {"EZY_DATABASE_URL": "postgres://db/ezy", "EZY_ALLOW_PRIVATE_NETWORKS": "true"},
            True,
            id="server-allowed-explicitly",
        ),
        pytest.param({"EZY_ALLOW_PRIVATE_NETWORKS": "no"}, False, id="embedded-refused-explicitly"),
    ],
)
def test_private_networks_are_allowed_only_where_expected(env: dict[str, str], allowed: bool) -> None:
    assert Settings.from_env(env).allow_private_networks is allowed


def test_settings_read_the_documented_names() -> None:
    settings = Settings.from_env(
        {
            "EZY_HOST": "0.0.0.0",
            "EZY_PORT": "9000",
            "EZY_SECRET_KEY": "k",
            "EZY_MAX_BODY_BYTES": "10",
            "EZY_METRICS_ENABLED": "false",
        }
    )
    assert (settings.host, settings.port, settings.secret_key) == ("0.0.0.0", 9000, "k")
    assert settings.max_body_bytes == 10 and settings.metrics_enabled is False
    assert settings.embedded_queue and settings.database_url == "sqlite://ezy.db"
