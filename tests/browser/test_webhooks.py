"""A webhook endpoint made in the browser: its URL and secret shown once, then its deliveries and runs."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from ezy.runtime import Runtime
from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant
from tests.runs.conftest import Drain, drain, make_instance
from tests.test_webhook_receiver import standard_headers

pytestmark = pytest.mark.browser
__all__ = ["drain"]  # the burst-worker fixture


async def test_endpoint_secret_is_shown_once_and_deliveries_link_their_run(
    page: Page, client: httpx.AsyncClient, runtime: Runtime, tenant: TestTenant, drain: Drain, shot: Shots
) -> None:
    instance = await make_instance(runtime, tenant.id, count=1)
    await sign_in(page, tenant.key)
    await go(page, "Configuration", "Webhook endpoints")
    await expect(page.get_by_text("No webhook endpoints.")).to_be_visible()
    await page.get_by_role("button", name="New webhook endpoint").click()
    panel = page.locator("#panel")
    await panel.get_by_label("Instance").select_option(label=instance.name)
    await panel.get_by_role("button", name="Create endpoint").click()
    await expect(panel).to_contain_text("shown this once")
    secret = await panel.get_by_label("Secret").input_value()
    url = await panel.get_by_label("Receiver URL").input_value()
    assert secret.startswith("whsec_") and "/webhooks/" in url
    await shot(page, "secret-once")
    await panel.get_by_role("button", name="Done").click()
    row = page.locator("#webhooks-body tr", has_text=instance.name)
    await expect(row).to_contain_text(url)

    # The list never shows the secret again, nor does the endpoint's page.
    assert secret not in await page.content()
    await row.get_by_role("button", name="Deliveries").click()
    await expect(panel).to_contain_text("No deliveries yet.")

    body = json.dumps({"id": 7, "title": "Mug", "variants": [{"price": "3.00"}]}).encode()
    posted = await client.post(urlsplit(url).path, content=body, headers=standard_headers(secret, body))
    assert posted.status_code == 202, posted.text
    await drain()
    await panel.get_by_role("button", name="Close panel").click()
    await row.get_by_role("button", name="Deliveries").click()
    delivery = panel.locator("tbody tr").first
    await expect(delivery.locator(".badge")).to_have_text("processed")
    await shot(page, "deliveries")
    await delivery.get_by_role("link", name="open run").click()
    await expect(page.locator("#run-status")).to_have_text("succeeded")
    await expect(page.locator("#run-summary")).to_contain_text("webhook")
