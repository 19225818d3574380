"""Commands of the holder's wallet API and pages (issue 5)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
