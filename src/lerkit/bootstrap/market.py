"""Wiring of job postings, candidate profiles, matching and guidance (issue 8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.market`` (called once by ``build_services``)."""
