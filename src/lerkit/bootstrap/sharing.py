"""Wiring of share links, consent ledger, résumés, the OB 3.0 host API (issue 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.sharing`` (called once by ``build_services``)."""
