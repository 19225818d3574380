"""Wiring of holders' wallets: accounts, keys, receiving, keeping, backups (issue 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def wire(services: Services) -> None:
    """Set ``services.wallet`` (called once by ``build_services``)."""
