"""GET /docs: Swagger UI over /openapi.json, served from the files of the swagger-ui-bundle package.

Nothing is loaded from the internet: the page references /docs/static/ only. Swagger UI renders
OpenAPI 3.1 from its version 5 on; `SWAGGER_UI_VERSION` says which one the installed bundle ships.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS = Path(str(swagger_ui_bundle.swagger_ui_path))
_version = re.search(r"(\d+)\.(\d+)\.(\d+)$", ASSETS.name)
SWAGGER_UI_VERSION: tuple[int, ...] = tuple(int(n) for n in _version.groups()) if _version else (0,)
STATIC = "/docs/static"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>EZY Integrations: REST API</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {spec_url},
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    }});
  </script>
</body>
</html>
"""


async def docs_page(request: Request) -> Response:
    root = request.scope.get("root_path", "").rstrip("/")
    page = PAGE.format(static=html.escape(root + STATIC), spec_url=json.dumps(f"{root}/openapi.json"))
    return HTMLResponse(page)


routes: list[BaseRoute] = [
    Route("/docs", docs_page, methods=["GET"]),
    Mount(STATIC, StaticFiles(directory=ASSETS), name="docs-static"),
]
