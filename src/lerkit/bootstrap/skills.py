"""Wiring of skill frameworks, extraction, crosswalks, alignment (issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.skills`` (called once by ``build_services``)."""
