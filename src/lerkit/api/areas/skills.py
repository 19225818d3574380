"""Routes of skill frameworks, search, extraction, crosswalks, alignment (issue 7)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
