"""Routes of OpenID4VP: presentation requests, request objects, direct_post; the wallet's answers
(issues 5, 6).
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add this area's routers (and OpenAPI tags) to ``app``."""
