"""Wiring of trust registries and the one verification service (issue 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.trust`` (called once by ``build_services``)."""
