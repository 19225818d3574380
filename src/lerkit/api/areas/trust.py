"""Routes of trust registries, the REST verify route and the public /verify page (issue 6)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
