"""The web console at `/`: public, self-contained (no internet), and never renders API text as markup."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from ezy.console.routes import ASSETS

REMOTE = re.compile(r"https?://|//cdn", re.IGNORECASE)


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
    assert sorted(assets) == ["/console/static/console.css", "/console/static/console.js"]
    expected = {".js": "javascript", ".css": "text/css"}
    for ref in assets:
        response = await client.get(ref)
        assert response.status_code == 200, ref
        assert expected[ref[ref.rfind(".") :]] in response.headers["content-type"], ref


@pytest.mark.parametrize("name", ["index.html", "console.js", "console.css"])
def test_nothing_is_loaded_from_the_internet(name: str) -> None:
    assert not REMOTE.search((ASSETS / name).read_text(encoding="utf-8")), name


def test_script_never_writes_markup() -> None:
    script = (ASSETS / "console.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink


def test_api_key_stays_out_of_urls_and_logs() -> None:
    script = (ASSETS / "console.js").read_text(encoding="utf-8")
    assert "sessionStorage" in script and "localStorage" not in script
    assert "console.log" not in script and "location.search" not in script and "?key" not in script


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
