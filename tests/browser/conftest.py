"""Browser tests: Debian's Chromium driven by Playwright against the app on a real uvicorn (loopback).

One browser for the session, a fresh context (so a fresh sessionStorage) per test. Each test saves a
screenshot of every page it visits to `.artifacts/screenshots/`. Skipped, with the reason, only when
/usr/bin/chromium is absent (`apt-get install chromium`; .ci/run installs it).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from starlette.applications import Starlette

from tests.serving import serving

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: `apt-get install chromium` to run the browser tests")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
async def base_url(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


class Shots:
    """Saves `<test>-<n>-<name>.png`, numbered in the order the test took them."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name.removeprefix("test_"))
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def __call__(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    backend = "pg" if os.environ.get("EZY_TEST_DATABASE_URL") else "sqlite"
    return Shots(f"{request.node.name}-{backend}")


@pytest.fixture
async def page(browser: Browser, base_url: str) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP, base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield opened
    finally:
        await context.close()
    # A script error or a CSP refusal in the page is a failure even when the flow looked fine.
    assert not [e for e in errors if "401" not in e], errors


async def sign_in(page: Page, key: str) -> None:
    await page.goto("/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Overview").wait_for()
