"""The `ezy` command as a user runs it: a subprocess on a fresh SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def ezy(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EZY_DATABASE_URL": f"sqlite://{tmp_path}/cli.db", "EZY_DATA_DIR": str(tmp_path)}
    env.pop("EZY_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ezy.cli", *args],
        cwd=tmp_path,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
        check=check,
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("cli")
    ezy(tmp, "migrate")  # only `ezy up` and `ezy migrate` create a database
    out = ezy(tmp, "tenants", "create", "acme", "--json").stdout
    return tmp, json.loads(out)


def test_every_command_says_which_database_it_uses(made: tuple[Path, dict[str, str]]) -> None:
    tmp, created = made
    listing = ezy(tmp, "keys", "list", "--tenant", created["tenantId"])
    assert f"ezy: database SQLite {tmp / 'cli.db'}" in listing.stderr


def test_a_missing_sqlite_database_is_refused_not_created(tmp_path: Path) -> None:
    result = ezy(tmp_path, "tenants", "create", "acme", check=False)
    assert result.returncode == 1
    assert f"no EZY database at {tmp_path / 'cli.db'}" in result.stderr and "`ezy up`" in result.stderr
    assert not (tmp_path / "cli.db").exists()


def test_run_without_a_running_up_says_so(made: tuple[Path, dict[str, str]]) -> None:
    tmp, _ = made
    result = ezy(tmp, "run", "00000000-0000-0000-0000-000000000000", check=False)
    assert result.returncode == 1
    assert f"no `ezy up` is running with the data directory {tmp}" in result.stderr


@pytest.mark.parametrize("role", ["serve", "worker", "scheduler"])
def test_roles_apart_refuse_an_embedded_queue_of_their_own(
    made: tuple[Path, dict[str, str]], role: str
) -> None:
    tmp, _ = made
    result = ezy(tmp, role, check=False)
    assert result.returncode == 1
    assert f"`ezy {role}` needs EZY_REDIS_URL" in result.stderr


def test_tenants_create_prints_tenant_and_key(made: tuple[Path, dict[str, str]]) -> None:
    _, created = made
    assert set(created) == {"tenantId", "apiKey"}
    assert created["apiKey"].startswith("ezy_")


def test_duplicate_tenant_names_are_refused(made: tuple[Path, dict[str, str]]) -> None:
    tmp, _ = made
    result = ezy(tmp, "tenants", "create", "acme", check=False)
    assert result.returncode == 2 and "exists" in result.stderr


def test_keys_create_list_rotate_revoke(made: tuple[Path, dict[str, str]]) -> None:
    tmp, created = made
    tenant = created["tenantId"]
    new = json.loads(ezy(tmp, "keys", "create", "--tenant", tenant, "--name", "deploy").stdout)
    assert new["key"].startswith(new["prefix"] + "_")
    listing = ezy(tmp, "keys", "list", "--tenant", tenant).stdout
    assert new["id"] in listing and "deploy" in listing and new["key"] not in listing
    rotated = json.loads(ezy(tmp, "keys", "rotate", new["id"], "--tenant", tenant).stdout)
    assert rotated["key"] != new["key"] and rotated["id"] == new["id"]
    revoked = json.loads(ezy(tmp, "keys", "revoke", new["id"], "--tenant", tenant).stdout)
    assert revoked["revokedAt"] is not None


def test_keys_of_an_unknown_tenant_are_not_found(made: tuple[Path, dict[str, str]]) -> None:
    tmp, created = made
    result = ezy(
        tmp,
        "keys",
        "revoke",
        "00000000-0000-0000-0000-000000000000",
        "--tenant",
        created["tenantId"],
        check=False,
    )
    assert result.returncode == 2 and "not found" in result.stderr
