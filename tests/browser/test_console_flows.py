"""Signing in and out, the API's reasons, and the overview at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, sign_in
from tests.conftest import TestTenant

pytestmark = pytest.mark.browser


async def test_sign_in_shows_the_overview_and_sign_out_forgets_the_key(
    page: Page, tenant: TestTenant, shot: Shots
) -> None:
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await shot(page, "sign-in")
    await sign_in(page, tenant.key)
    await expect(page.get_by_text("No runs in this range.").first).to_be_visible()
    assert tenant.key not in page.url
    assert await page.evaluate("sessionStorage.getItem('ezy.console.apiKey')") == tenant.key
    await shot(page, "overview-empty")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.get_by_text("Signed out.")).to_be_visible()
    assert await page.evaluate("sessionStorage.length") == 0
    await shot(page, "signed-out")
    await page.reload()  # nothing kept: a reload asks for the key again
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_a_wrong_key_shows_the_apis_reason(page: Page, shot: Shots) -> None:
    await page.goto("/")
    await page.get_by_label("API key").fill("ezy_000000000000_notarealsecretvalue")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#signin-status")).to_have_text("the API key is unknown, expired or revoked")
    await expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
    assert await page.evaluate("sessionStorage.length") == 0
    await shot(page, "wrong-key")
