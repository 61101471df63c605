"""Connection profiles: the form follows the kind, secrets are write-only, and a failed test says why."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant

pytestmark = pytest.mark.browser
PASSWORD = "s3cret-never-shown"


async def test_secrets_are_write_only_and_a_failed_test_says_why(
    page: Page, tenant: TestTenant, shot: Shots
) -> None:
    await sign_in(page, tenant.key)
    await go(page, "Configuration")
    await page.get_by_role("button", name="New connection profile").click()
    panel = page.locator("#panel")
    await panel.get_by_label("Name").fill("Warehouse")
    await panel.get_by_label("Kind").select_option("postgres")
    await expect(panel.get_by_label("Records to generate")).to_have_count(0)  # the sample kind's fields went
    # Port 1 on loopback: nothing listens, so the test fails fast with the driver's reason.
    await panel.get_by_label("DSN").fill("postgresql://ezy@127.0.0.1:1/shop")
    await panel.get_by_label("password (secret, write-only)").fill(PASSWORD)
    await shot(page, "postgres-form")
    await panel.get_by_role("button", name="Create profile").click()
    row = page.locator("#profiles-body tr", has_text="Warehouse")
    await expect(row).to_contain_text("password (stored)")

    await row.get_by_role("button", name="Test").click()
    result = row.locator(".test-result")
    await expect(result).to_contain_text("✗ failed")
    await expect(result).to_contain_text("cannot connect")  # the connector's reason
    await shot(page, "test-failed")

    await row.get_by_role("button", name="Edit").click()
    secret = panel.get_by_label("password (secret, write-only)")
    await expect(secret).to_have_value("")
    await expect(secret).to_have_attribute("placeholder", "stored — leave empty to keep")
    assert PASSWORD not in await page.content()
    await panel.get_by_label("Name").fill("Warehouse (read replica)")
    await panel.get_by_role("button", name="Save changes").click()
    renamed = page.locator("#profiles-body tr", has_text="Warehouse (read replica)")
    await expect(renamed).to_contain_text("password (stored)")  # an empty secret field kept the stored one

    # Another kind replaces the profile with that kind's fields.
    await renamed.get_by_role("button", name="Edit").click()
    await panel.get_by_label("Kind").select_option("sample")
    await panel.get_by_label("Records to generate").fill("5")
    await panel.get_by_role("button", name="Save changes").click()
    await expect(renamed.locator("td").nth(1)).to_have_text("sample")
    await shot(page, "kind-changed")
