"""The web console at `/`: public, self-contained (no internet), and never renders API text as markup."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from ezy.console.routes import ASSETS

REMOTE = re.compile(r"https?://|//cdn", re.IGNORECASE)
BANNER = re.compile(r"\A/\*!.*?\*/", re.DOTALL)
# The console's own modules (the vendored chart library is checked for remote loads only).
OWN_SCRIPTS = sorted([ASSETS / "console.js", *(ASSETS / "js").glob("*.js")])
IMPORT = re.compile(r'^import\b[^;]*?from "(\./[^"]+)";', re.MULTILINE)


async def _page(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/")
    assert response.status_code == 200
    return response


async def test_console_page_is_public_html(client: httpx.AsyncClient) -> None:
    response = await _page(client)
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>EZY Integrations console</title>" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_every_referenced_asset_is_local_and_served(client: httpx.AsyncClient) -> None:
    page = (await _page(client)).text
    refs = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', page)
    assets = [ref for ref in refs if not ref.startswith("data:")]
    assert sorted(assets) == [
        "/console/static/console.css",
        "/console/static/console.js",
        "/console/static/vendor/uPlot.iife.min.js",
        "/console/static/vendor/uPlot.min.css",
    ]
    expected = {".js": "javascript", ".css": "text/css"}
    for ref in assets:
        response = await client.get(ref)
        assert response.status_code == 200, ref
        assert expected[ref[ref.rfind(".") :]] in response.headers["content-type"], ref


def test_nothing_is_loaded_from_the_internet() -> None:
    files = [p for p in ASSETS.rglob("*") if p.suffix in {".html", ".js", ".css"}]
    assert len(files) >= len(OWN_SCRIPTS) + 4
    for path in files:
        # A vendored file's licence banner (`/*! https://github.com/... */`) names its home, loads nothing.
        text = BANNER.sub("", path.read_text(encoding="utf-8"))
        assert not REMOTE.search(text), path.name


async def test_every_module_the_console_imports_is_served(client: httpx.AsyncClient) -> None:
    # Walks the import graph from the entry module, as the browser does, over HTTP.
    seen: set[str] = set()
    todo = ["/console/static/console.js"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "javascript" in response.headers["content-type"], url
        base = url.rsplit("/", 1)[0]
        for ref in IMPORT.findall(response.text):
            todo.append(
                f"{base}/{ref.removeprefix('./')}" if not ref.startswith("./js/") else f"{base}/{ref[2:]}"
            )
    assert len(seen) == len(OWN_SCRIPTS)


def test_package_data_ships_every_console_file() -> None:
    # A fresh `pip install` serves the console: every static file matches the package-data globs.
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    globs = project["tool"]["setuptools"]["package-data"]["ezy.console"]
    for path in ASSETS.rglob("*"):
        if path.is_file():
            relative = path.relative_to(ASSETS.parent).as_posix()
            assert any(fnmatch.fnmatch(relative, g) and relative.count("/") == g.count("/") for g in globs), (
                relative
            )


def test_the_chart_library_ships_with_its_license() -> None:
    vendor = ASSETS / "vendor"
    assert "MIT" in (vendor / "uPlot.LICENSE").read_text(encoding="utf-8")
    assert (vendor / "uPlot.iife.min.js").stat().st_size > 10_000


@pytest.mark.parametrize("path", OWN_SCRIPTS, ids=lambda p: p.name)
def test_script_never_writes_markup(path: Path) -> None:
    script = path.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink


def test_api_key_stays_out_of_urls_and_logs() -> None:
    scripts = "\n".join(p.read_text(encoding="utf-8") for p in OWN_SCRIPTS)
    assert "sessionStorage" in scripts and "localStorage" not in scripts
    assert "console.log" not in scripts and "location.search" not in scripts and "?key" not in scripts


async def test_content_security_policy_stays_strict(client: httpx.AsyncClient) -> None:
    csp = (await _page(client)).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    # The subscription's WebSocket is same-origin: 'self' covers ws: in CSP 3, so no scheme-wide ws:.
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in csp


async def test_unknown_static_file_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/console/static/x")).status_code == 404


async def test_page_follows_a_root_path(app: Starlette) -> None:
    # Behind a proxy that mounts the app under /ezy, the asset references move with it.
    transport = httpx.ASGITransport(app=app, root_path="/ezy")
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as prefixed:
        response = await prefixed.get("/ezy/")
    assert response.status_code == 200
    assert '"/ezy/console/static/console.js"' in response.text


async def test_api_still_needs_a_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/sync-logs")).status_code == 401
