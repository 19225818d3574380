"""Wiring of OpenID4VP: the verifier's requests and the wallet's answers (issues 5, 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.oid4vp`` (called once by ``build_services``)."""
