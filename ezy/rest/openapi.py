"""OpenAPI 3.1 document of the REST API and the /docs explorer (filled by the configuration API work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
