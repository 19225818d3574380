"""Routes of share links, the public share page, consent ledger, résumés, the OB 3.0 host API and
its OAuth (issue 5).
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
