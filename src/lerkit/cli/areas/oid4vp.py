"""Commands of OpenID4VP: presentation requests, request objects, direct_post; the wallet's answers
(issues 5, 6).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
