"""Run sources: a run's records come from the source its trigger names; runs know nothing of webhooks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ezy.runs import sources
from ezy.runs.executor import execute
from ezy.runs.models import SyncLog, SyncStatus, SyncTrigger
from ezy.runs.service import RunRequest, start_run
from ezy.runtime import Runtime
from ezy.webhooks.run_source import WebhookDeliveries
from tests.conftest import TestTenant
from tests.runs.conftest import make_instance

RUNS = Path(__file__).resolve().parents[2] / "ezy" / "runs"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_runs_package_imports_nothing_from_the_webhooks_package() -> None:
    modules = sorted(RUNS.glob("*.py"))
    assert len(modules) >= 8  # the package itself, not an empty glob
    offending = {
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path)
        if name == "ezy.webhooks" or name.startswith("ezy.webhooks.")
    }
    assert not offending


def test_the_import_check_sees_an_import_from_webhooks(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from ezy import webhooks\nfrom ezy.webhooks.pickup import after_run\n")
    assert {"ezy.webhooks", "ezy.webhooks.pickup"} <= _imports(module)


def test_each_trigger_has_its_source_once_the_worker_is_wired() -> None:
    import workers.jobs  # noqa: F401  (the worker's start-up wiring)

    assert isinstance(sources.source_for(SyncTrigger.WEBHOOK), WebhookDeliveries)
    assert isinstance(sources.source_for("api"), sources.ConnectorExtract)
    assert sources.source_for(SyncTrigger.SCHEDULE) is sources.source_for(SyncTrigger.API)
    assert type(sources.source_for(SyncTrigger.REPLAY)).__name__ == "DlqReplay"


async def test_a_run_whose_trigger_has_no_source_fails_with_a_clear_error(
    tenant: TestTenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sources._SOURCES, SyncTrigger.WEBHOOK, raising=False)
    instance = await make_instance(runtime, tenant.id, count=3)
    run = await start_run(tenant.id, instance.id, RunRequest(SyncTrigger.WEBHOOK))
    assert (await execute(str(run.id))).kind == "done"
    log = await SyncLog.get(id=run.id)
    assert log.status == SyncStatus.FAILED
    assert log.error == "this worker has no run source for trigger 'webhook'"
    assert log.total == 0  # nothing was read from the instance's connector instead
