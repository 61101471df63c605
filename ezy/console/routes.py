"""GET /: the web console, a static page plus /console/static/ (ES modules, nothing from the internet).

The page and its files are public; the API key is typed into the page, kept in sessionStorage and sent
only as `Authorization: ApiKey <key>` to /graphql (and in the `connection_init` of the runProgress
WebSocket). A strict Content-Security-Policy keeps the page to its own origin: `connect-src 'self'`
covers the same-origin ws:/wss: of the subscription (CSP 3), so no scheme-wide `ws:` is needed, and
nothing can be loaded from (or the key sent to) anywhere else. The chart library (uPlot, MIT) is
vendored in static/vendor/ with its licence.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static"
STATIC = "/console/static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def console_page(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    if root:  # behind a path prefix: the page's /console/static/ references move with it
        page = page.replace(f'"{STATIC}/', f'"{root}{STATIC}/')
    return HTMLResponse(page, headers=HEADERS)


routes: list[BaseRoute] = [
    Route("/", console_page, methods=["GET"]),
    Mount(STATIC, StaticFiles(directory=ASSETS), name="console-static"),
]
