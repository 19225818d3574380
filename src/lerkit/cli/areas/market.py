"""Commands of job postings, candidate profiles, matching, guidance, workforce tools (issue 8)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
