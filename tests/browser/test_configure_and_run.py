"""A new integration built in the browser: profiles, a mapping with its preview, an instance, a schedule,
then a run watched live from queued to done."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain

pytestmark = pytest.mark.browser
__all__ = ["drain"]  # the burst-worker fixture


async def _new_profile(page: Page, name: str, count: str) -> None:
    await page.get_by_role("button", name="New connection profile").click()
    panel = page.locator("#panel")
    await panel.get_by_label("Name").fill(name)
    await panel.get_by_label("Records to generate").fill(count)
    await panel.get_by_label("Seed").fill("7")
    await panel.get_by_role("button", name="Create profile").click()
    await expect(page.locator("#profiles-body")).to_contain_text(name)


async def test_build_an_integration_and_watch_its_run_live(
    page: Page, tenant: TestTenant, shot: Shots, drain: Drain
) -> None:
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await sign_in(page, tenant.key)
    await go(page, "Configuration")
    await expect(page.get_by_text("No connection profiles yet.")).to_be_visible()
    await shot(page, "profiles-empty")

    # A field error of the API lands at its field: a sample profile with a negative count.
    await page.get_by_role("button", name="New connection profile").click()
    panel = page.locator("#panel")
    await panel.get_by_label("Name").fill("Broken")
    await panel.get_by_label("Records to generate").fill("-5")
    await panel.get_by_role("button", name="Create profile").click()
    await expect(panel.locator("[data-error-for='/config/count']")).not_to_be_empty()
    await shot(page, "profile-field-error")
    await panel.get_by_role("button", name="Close panel").click()

    await _new_profile(page, "Sample shop", "12")
    await _new_profile(page, "Sample sink", "0")
    row = page.locator("#profiles-body tr", has_text="Sample shop")
    await row.get_by_role("button", name="Test").click()
    await expect(row.locator(".test-result")).to_contain_text("connected")
    await shot(page, "profiles")

    # The mapping: the template previews at once; a schema error points at its place.
    await go(page, "Configuration", "Mappings")
    await page.get_by_role("link", name="New mapping").click()
    results = page.locator("#preview-results")
    await expect(results).to_contain_text("would load")
    await expect(results).to_contain_text("stopped at validate")  # the 250.00 lamp is over the maximum
    document = page.locator("#mapping-document")
    template = json.loads(await document.input_value())
    broken = {**template, "load": {**template["load"], "batchSize": "many"}}
    await document.fill(json.dumps(broken, indent=2))
    errors = page.locator("#mapping-errors")
    await expect(errors).to_contain_text("/load/batchSize")
    await errors.get_by_role("button", name="/load/batchSize").click()  # selects the key in the editor
    selected = "el => el.value.slice(el.selectionStart, el.selectionEnd)"
    assert await document.evaluate(selected) == '"batchSize"'
    await shot(page, "mapping-error")
    await document.fill(json.dumps(template, indent=2))
    await expect(errors).to_have_count(0)
    await expect(results).to_contain_text("would load")
    await page.get_by_label("Name").fill("Products to items")
    await shot(page, "mapping-preview")
    await page.get_by_role("button", name="Create mapping").click()
    await expect(page.locator("#mappings-body")).to_contain_text("Products to items")

    # The instance, activated; then a schedule for it.
    await go(page, "Configuration", "Instances")
    await expect(page.get_by_text("No instances yet.")).to_be_visible()
    await page.get_by_role("button", name="New instance").click()
    await panel.get_by_label("Name").fill("Shop to sink")
    await panel.get_by_label("Source profile").select_option(label="Sample shop (sample)")
    await panel.get_by_label("Target profile").select_option(label="Sample sink (sample)")
    await panel.get_by_role("button", name="Create instance").click()
    instance = page.locator("#instances-body tr", has_text="Shop to sink")
    await expect(instance).to_contain_text("inactive")
    await instance.get_by_role("button", name="Activate").click()
    await expect(instance.locator(".badge")).to_have_text("active")

    await go(page, "Configuration", "Schedules")
    await page.get_by_role("button", name="New schedule").click()
    await panel.get_by_label("Cron").fill("0 3 * * *")
    await panel.get_by_label("Time zone").fill("Europe/Berlin")
    await panel.get_by_role("button", name="Create schedule").click()
    schedule = page.locator("#schedules-body tr", has_text="Shop to sink")
    await expect(schedule.locator(".next-run")).to_contain_text("Europe/Berlin")
    await shot(page, "schedules")

    # Run now: the row says queued until a worker takes it, then the outcome, with no reload.
    await go(page, "Configuration", "Instances")
    await instance.get_by_role("button", name="Run now").click()
    progress = instance.locator(".progress")
    await expect(progress).to_contain_text("queued")
    await shot(page, "run-queued")
    await drain()
    await expect(progress).to_contain_text(re.compile(r"partial \d+ loaded, [1-9]\d* failed"))
    await shot(page, "run-done")
    assert any(urlsplit(u).path == "/graphql" for u in sockets), sockets  # live over runProgress, not polling

    await progress.get_by_role("link", name="open the run").click()
    await expect(page.locator("#run-status")).to_have_text("partial")
    await expect(page.locator(".funnel li")).to_have_count(5)
    await expect(page.locator("#run-errors")).to_contain_text("schema_invalid")
    await shot(page, "run-page")
