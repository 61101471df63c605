"""The web console: a dependency-free page at `/` over the REST API (see routes.py)."""
