"""Every edit and delete the configuration screens offer, on resources made through the API: each
mutation document is accepted (a refused one is a console error, which fails the test) and the list
shows the change."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from ezy.runtime import Runtime
from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant
from tests.runs.conftest import make_instance

pytestmark = pytest.mark.browser


async def test_edit_and_delete_from_every_configuration_tab(
    page: Page, runtime: Runtime, tenant: TestTenant, shot: Shots
) -> None:
    instance = await make_instance(runtime, tenant.id, count=3)
    await sign_in(page, tenant.key)
    panel = page.locator("#panel")
    confirm = page.locator("#confirm")

    # A mapping: open, change, save (a replace with the version read).
    await go(page, "Configuration", "Mappings")
    await page.get_by_role("link", name=f"map-{instance.name.removeprefix('inst-')}").click()
    await page.get_by_label("Name").fill("Renamed mapping")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("#mappings-body")).to_contain_text("Renamed mapping")

    # The instance: rename, deactivate; deleting its mapping is refused while the instance uses it.
    await go(page, "Configuration", "Instances")
    row = page.locator("#instances-body tr", has_text=instance.name)
    await row.get_by_role("button", name="Edit").click()
    await panel.get_by_label("Name").fill("Renamed instance")
    await panel.get_by_role("button", name="Save changes").click()
    row = page.locator("#instances-body tr", has_text="Renamed instance")
    await row.get_by_role("button", name="Deactivate").click()
    await expect(row.locator(".badge")).to_have_text("inactive")
    await expect(row.get_by_role("button", name="Run now")).to_be_disabled()

    await go(page, "Configuration", "Mappings")
    await page.get_by_role("link", name="Renamed mapping").click()
    await page.get_by_role("button", name="Delete…").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.locator("#mapping-status")).to_contain_text("used by")
    await shot(page, "mapping-in-use")

    # A schedule: create, disable, delete.
    await go(page, "Configuration", "Schedules")
    await page.get_by_role("button", name="New schedule").click()
    await panel.get_by_label("Cron").fill("not a cron")
    await panel.get_by_role("button", name="Create schedule").click()
    await expect(panel.locator("[data-error-for='/cron']")).not_to_be_empty()
    await panel.get_by_label("Cron").fill("*/5 * * * *")
    await panel.get_by_role("button", name="Create schedule").click()
    schedule = page.locator("#schedules-body tr", has_text="Renamed instance")
    await schedule.get_by_role("button", name="Edit").click()
    await panel.get_by_label("Enabled").uncheck()
    await panel.get_by_role("button", name="Save changes").click()
    await expect(schedule.locator(".next-run")).to_have_text("disabled")
    await schedule.get_by_role("button", name="Edit").click()
    await panel.get_by_role("button", name="Delete…").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No schedules.")).to_be_visible()

    # A webhook endpoint: create, disable, delete.
    await go(page, "Configuration", "Webhook endpoints")
    await page.get_by_role("button", name="New webhook endpoint").click()
    await panel.get_by_role("button", name="Create endpoint").click()
    await panel.get_by_role("button", name="Done").click()
    endpoint = page.locator("#webhooks-body tr", has_text="Renamed instance")
    await endpoint.get_by_role("button", name="Edit").click()
    await panel.get_by_label("Enabled").uncheck()
    await panel.get_by_role("button", name="Save changes").click()
    await expect(endpoint.locator(".badge")).to_have_text("disabled")
    await endpoint.get_by_role("button", name="Edit").click()
    await panel.get_by_role("button", name="Delete…").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No webhook endpoints.")).to_be_visible()

    # The instance goes, then its mapping and profiles can.
    await go(page, "Configuration", "Instances")
    await row.get_by_role("button", name="Edit").click()
    await panel.get_by_role("button", name="Delete…").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.get_by_text("No instances yet.")).to_be_visible()
    await go(page, "Configuration", "Connection profiles")
    source = page.locator("#profiles-body tr", has_text="src-")
    await source.get_by_role("button", name="Edit").click()
    await panel.get_by_role("button", name="Delete…").click()
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.locator("#profiles-body tr")).to_have_count(1)
    await shot(page, "profiles-after-delete")
