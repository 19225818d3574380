"""Wiring of job postings, candidate profiles, matching and guidance (issue 8).

Skills come from the skills services' bundled taxonomy (``default_taxonomy()``: ESCO +
O*NET, loaded on first use); evidence strength asks the trust registry (``services.trust``)
whether an issuer is recognised; re-verification goes through the wallet
(``services.wallet.reverify``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lerkit.services.market import MarketService, SkillResolver
from lerkit.services.market import backup as market_backup

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


def default_resolver() -> SkillResolver:
    from lerkit.services.skills import default_taxonomy

    taxonomy = default_taxonomy()
    return SkillResolver(taxonomy, taxonomy)


def wire(services: Services) -> None:
    """Set ``services.market`` (called once by ``build_services``)."""
    if services.wallet_base is None:
        return
    trust = services.trust

    def recognised(
        session: Session, issuer: str, types: list[str], achievement: str | None
    ) -> bool:
        if trust is None or not issuer or not hasattr(trust, "recognition"):
            return False
        result: Any = trust.recognition(session, issuer, types, achievement_id=achievement)
        return bool(getattr(result, "recognised", False))

    wallet = services.wallet
    reverify = getattr(wallet, "reverify", None) if wallet is not None else None
    services.market = MarketService(
        resolver=default_resolver,
        consent=services.wallet_base.consent,
        clock=services.clock,
        entropy=os.urandom,
        recognised=recognised,
        reverify=reverify,
    )
    if wallet is not None and hasattr(wallet, "backups"):  # talent profiles in backups
        wallet.backups.register(market_backup.part(services.market))
