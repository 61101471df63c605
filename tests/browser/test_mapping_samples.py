"""Previewing a mapping over records sampled from a source: pick a profile, name a resource (the mapping's
`extract.resource` to begin with) and a count; the records fill the preview box and the preview runs."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.async_api import Page, expect

from ezy.connectors.sample import SampleConnector
from tests import resources as r
from tests.browser.conftest import Shots, go, sign_in
from tests.conftest import TestTenant
from tests.fakes.rest_api import serve_rest_api

pytestmark = pytest.mark.browser
SHOP = {"count": 40, "seed": 7}


async def _open_new_mapping(page: Page) -> None:
    await go(page, "Configuration", "Mappings")
    await page.get_by_role("link", name="New mapping").click()
    await expect(page.locator("#preview-results")).to_contain_text("would load")  # the template's records


async def test_sampled_records_fill_the_preview_and_errors_say_why(
    page: Page, client: httpx.AsyncClient, tenant: TestTenant, shot: Shots
) -> None:
    await r.make_profile(client, tenant, name="Sample shop", config=SHOP)
    with serve_rest_api() as api:
        api.require = {"Authorization": "Bearer the-right-one"}
        await r.make_profile(
            client,
            tenant,
            name="Partner API",
            kind="http",
            config={"baseUrl": api.base_url, "auth": {"type": "bearer"}, "timeoutSeconds": 2},
            secrets={"token": "a-revoked-token"},
        )
        await sign_in(page, tenant.key)
        await _open_new_mapping(page)
        sampler = page.get_by_role("group", name="Sample from source")
        resource = sampler.get_by_label("Resource")
        await expect(resource).to_have_value("products")  # the template's extract.resource

        # Three products of the sample shop: they fill the box, and the preview runs over them.
        await sampler.get_by_label("Profile").select_option(label="Sample shop (sample)")
        await sampler.get_by_label("Count").fill("3")
        await sampler.get_by_role("button", name="Sample records").click()
        status = page.locator("#sample-status")
        await expect(status).to_have_text("Sampled 3 records of “products” from Sample shop (sample).")
        expected = SampleConnector(SHOP).generate("products", 0, 3)
        assert json.loads(await page.locator("#preview-records").input_value()) == expected
        results = page.locator("#preview-results")
        await expect(results.locator(".preview-record")).to_have_count(3)
        await expect(results).to_contain_text(f'"externalId": "{expected[2]["id"]}"')
        await expect(results).to_contain_text(expected[0]["title"].strip())  # normalize trimmed it
        await shot(page, "sampled-preview")

        # The resource follows the document's extract.resource; Enter in it samples (not saves).
        document = page.locator("#mapping-document")
        template = json.loads(await document.input_value())
        template["extract"]["resource"] = "customers"
        await document.fill(json.dumps(template, indent=2))
        await expect(resource).to_have_value("customers")
        await resource.press("Enter")
        await expect(status).to_contain_text("Sampled 3 records of “customers”")
        assert page.url.endswith("#/config/mappings/new")

        # An unknown resource and refused credentials are said in words, at the field for the former.
        await resource.fill("widgets")
        await sampler.get_by_role("button", name="Sample records").click()
        await expect(status).to_have_text("unknown resource 'widgets'; one of products, orders, customers")
        await expect(resource).to_have_attribute("aria-invalid", "true")
        await sampler.get_by_label("Profile").select_option(label="Partner API (http)")
        await resource.fill("items")
        await sampler.get_by_role("button", name="Sample records").click()
        await expect(status).to_contain_text(
            "The source failed: reading 'items': the API refused the credentials"
        )
        await expect(status).not_to_contain_text("a-revoked-token")
        await expect(resource).not_to_have_attribute("aria-invalid", "true")
        await expect(results.locator(".preview-record")).to_have_count(3)  # the last sample stays
        await shot(page, "sample-refused")


async def test_sampling_works_by_keyboard_at_phone_width(
    browser_phone: Page, client: httpx.AsyncClient, tenant: TestTenant, shot: Shots
) -> None:
    page = browser_phone
    await r.make_profile(client, tenant, name="Sample shop", config=SHOP)
    await sign_in(page, tenant.key)
    await page.goto("/#/config/mappings/new")
    await expect(page.locator("#preview-results")).to_contain_text("would load")
    await page.locator("#sample-profile").focus()
    await page.keyboard.press("Tab")  # to the resource (prefilled: products)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("2")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # the focused "Sample records" button
    await expect(page.locator("#sample-status")).to_contain_text("Sampled 2 records")
    await expect(page.locator("#preview-results .preview-record")).to_have_count(2)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # a sampled record's long lines scroll inside their stage
    await page.locator("#sampler").scroll_into_view_if_needed()
    await shot(page, "sampled-phone", full_page=False)
