"""Routes of job postings, candidate profiles, matching, guidance, workforce tools (issue 8)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
