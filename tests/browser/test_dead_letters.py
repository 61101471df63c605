"""Repairing dead letters in the browser: from a run's error to its message, edit and replay, and bulk
discard with a confirmation that says how many."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.async_api import Page, expect

from ezy.runtime import Runtime
from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain, make_instance

pytestmark = pytest.mark.browser
PHONE_PAGES = [
    ("overview", "#/"),
    ("runs", "#/runs"),
    ("dlq", "#/dlq"),
    ("profiles", "#/config/profiles"),
    ("mapping", "#/config/mappings/new"),
    ("instances", "#/config/instances"),
]
__all__ = ["drain"]  # the burst-worker fixture


async def _failed_run(
    client: httpx.AsyncClient, runtime: Runtime, tenant: TestTenant, drain: Drain, count: int = 20
) -> int:
    """A partial run of `count` sample products; answers how many records landed in the DLQ."""
    instance = await make_instance(runtime, tenant.id, count=count)
    answer = await client.post(
        "/api/v1/sync-events", json={"instanceId": str(instance.id)}, headers=tenant.headers
    )
    assert answer.status_code == 202, answer.text
    await drain()
    pending = await client.get("/api/v1/dlq?status=pending", headers=tenant.headers)
    total: int = pending.json()["total"]
    assert total >= 5
    return total


async def test_edit_and_replay_a_failed_record_then_bulk_discard(
    page: Page, client: httpx.AsyncClient, runtime: Runtime, tenant: TestTenant, drain: Drain, shot: Shots
) -> None:
    total = await _failed_run(client, runtime, tenant, drain, count=50)
    assert total > 21  # more than a page, after one replay
    await sign_in(page, tenant.key)
    await expect(page.locator(".tile", has_text="Dead letters pending")).to_contain_text(str(total))
    await expect(page.locator("#chart-runs canvas")).to_have_count(1)
    await shot(page, "overview")
    await page.get_by_label("Range").select_option(label="Last 30 days, by day")
    await expect(page.locator(".tile").nth(2)).to_contain_text("50")
    await expect(page.locator("#chart-records canvas")).to_have_count(1)
    await shot(page, "overview-by-day")

    # From the run's entity errors to the failed record's message, opened beside the list.
    await go(page, "Runs")
    await page.get_by_label("Status").select_option("SUCCEEDED")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#runs-body")).to_contain_text("No runs match these filters.")
    await page.get_by_label("Status").select_option("PARTIAL")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#runs-body tr")).to_have_count(1)
    await page.locator("#runs-body tr").first.get_by_role("link").click()
    await expect(page.locator("#run-status")).to_have_text("partial")
    await shot(page, "run")
    await page.get_by_role("link", name="Open dead letter").first.click()
    panel = page.locator("#panel")
    await expect(panel).to_be_visible()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("pending")
    count = page.locator("#dlq-count")
    await expect(count).to_have_text(f"{total} pending messages")
    await shot(page, "dead-letter")

    # Correct the price and replay: the badge and the count follow at once, and again when the run ends.
    editor = panel.locator("#dlq-payload")
    record = json.loads(await editor.input_value())
    record["variants"][0]["price"] = "19.99"
    await editor.fill(json.dumps(record, indent=2))
    await panel.get_by_role("button", name="Replay").click()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("replaying")
    await expect(count).to_have_text(f"{total - 1} pending messages")
    await shot(page, "replaying")
    await drain()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("resolved")
    await expect(panel.locator("#dlq-feedback")).to_have_text("The replay run ended succeeded.")
    await shot(page, "resolved")
    await panel.get_by_role("button", name="Close panel").click()
    await expect(panel).to_be_hidden()

    # Paging: the rest of the queue is a click away.
    await expect(page.get_by_role("navigation", name="Pages")).to_contain_text(
        f"Page 1 of 2 · {total - 1} in all"
    )
    await page.get_by_role("button", name="Next →").click()
    await expect(page.locator("#dlq-body tr")).to_have_count(total - 1 - 20)
    await page.get_by_role("button", name="← Previous").click()
    await expect(page.locator("#dlq-body tr")).to_have_count(20)

    # Discard one from its panel: confirmed, and the badge says so at once (no stale "pending").
    await page.locator("#dlq-body tr").nth(2).locator("button.linklike").click()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("pending")
    await panel.get_by_role("button", name="Discard…").click()
    await expect(page.locator("#confirm")).to_contain_text("Discard this dead letter?")
    await page.locator("#confirm").get_by_role("button", name="Discard").click()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("discarded")
    await expect(panel.get_by_role("button", name="Replay")).to_have_count(0)
    await expect(count).to_have_text(f"{total - 2} pending messages")
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()

    # Bulk discard of two selected messages: the dialog names the number; cancel changes nothing.
    rows = page.locator("#dlq-body tr")
    await rows.nth(0).get_by_role("checkbox").check()
    await rows.nth(1).get_by_role("checkbox").check()
    await page.get_by_role("button", name="Discard selected (2)").click()
    dialog = page.locator("#confirm")
    await expect(dialog).to_contain_text("Discard 2 pending dead letters?")
    await shot(page, "confirm-selected", full_page=False)
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(count).to_have_text(f"{total - 2} pending messages")
    await page.get_by_role("button", name="Discard selected (2)").click()
    await dialog.get_by_role("button", name="Discard 2").click()
    await expect(count).to_have_text(f"{total - 4} pending messages")

    # Everything the filter matches, by keyboard: the confirmation says how many.
    left = total - 4
    await page.get_by_role("button", name=f"Discard all {left} pending matching").focus()
    await page.keyboard.press("Enter")
    await expect(dialog).to_contain_text(f"Discard {left} pending dead letters?")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(count).to_have_text("0 pending messages")
    await expect(page.locator("#dlq-body")).to_contain_text("nothing needs repair")
    await shot(page, "empty")

    # The discarded are still there under their status, and a discarded message offers no actions.
    await page.get_by_label("Status").select_option("DISCARDED")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#dlq-body tr")).to_have_count(20)
    await page.locator("#dlq-body tr").first.locator("button.linklike").click()
    await expect(panel.locator("#dlq-detail-status")).to_have_text("discarded")
    await expect(panel.get_by_role("button", name="Replay")).to_have_count(0)
    await shot(page, "discarded")


async def test_phone_width_keeps_every_page_inside_the_screen(
    browser_phone: Page,
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: TestTenant,
    drain: Drain,
    shot: Shots,
) -> None:
    page = browser_phone
    await _failed_run(client, runtime, tenant, drain)
    await sign_in(page, tenant.key)
    for name, route in [
        ("overview", "#/"),
        ("runs", "#/runs"),
        ("dlq", "#/dlq"),
        ("profiles", "#/config/profiles"),
        ("mapping", "#/config/mappings/new"),
        ("instances", "#/config/instances"),
    ]:
        await page.goto(f"/{route}")
        await page.locator("#view h1").wait_for()
        await page.wait_for_load_state("networkidle")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (name, width)
        await shot(page, name)
    await page.goto("/#/dlq")
    await page.locator("#dlq-body tr button.linklike").first.click()
    await expect(page.locator("#panel")).to_be_visible()
    box = await page.locator("#panel").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == 390
    await shot(page, "dlq-panel", full_page=False)
    assert re.search(r"#/dlq", page.url)
