"""Commands of trust registries, the REST verify route and the public /verify page (issue 6)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
