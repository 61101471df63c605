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
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is absent: `apt-get install chromium` to run the browser tests"
    )
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


def _backend() -> str:
    return "pg" if os.environ.get("EZY_TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    """This backend's screenshots of an earlier session go: what is there is what this run saw."""
    for old in SCREENSHOTS.glob(f"*-{_backend()}-*.png"):
        old.unlink()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    return Shots(f"{request.node.name}-{_backend()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> object:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
async def page(browser: Browser, base_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP, base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield opened
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:  # what the page showed when the test failed
            await Shots(f"{request.node.name}-{_backend()}-FAILED")(opened, "last")
    finally:
        await context.close()
    # A script error or a CSP refusal in the page is a failure even when the flow looked fine.
    assert not [e for e in errors if "401" not in e], errors


async def sign_in(page: Page, key: str) -> None:
    await page.goto("/")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Overview").wait_for()


async def go(page: Page, section: str, tab: str | None = None) -> None:
    """Follows the top navigation (and a configuration tab), as a user would."""
    await page.get_by_role("navigation", name="Sections").get_by_role("link", name=section).click()
    if tab:
        await page.get_by_role("navigation", name="Configuration").get_by_role("link", name=tab).click()


@pytest.fixture
async def browser_phone(browser: Browser, base_url: str) -> AsyncIterator[Page]:
    """A phone-sized page (390 px wide, touch)."""
    context = await browser.new_context(viewport=PHONE, base_url=base_url, has_touch=True, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()
