"""Commands of skill frameworks, search, extraction, crosswalks, alignment (issue 7)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
