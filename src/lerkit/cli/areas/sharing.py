"""Commands of share links, the public share page, consent ledger, résumés, the OB 3.0 host API and
its OAuth (issue 5).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``lerkit`` app."""
