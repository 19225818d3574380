"""Helpers of the sharing tests (issue 5): a holder with an API token made through the
accounts service, credentials issued by this instance, and a way to put them in the wallet
(the wallet's ``store_received`` when wired, the sharing area's minimal store otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.conftest import Tenant, make_tenant
from lerkit.bootstrap import Services
from lerkit.bootstrap.sharing import _store_minimal

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class WalletHolder:
    holder_id: int
    public_id: str
    email: str
    token: str
    did: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_holder(services: Services, name: str = "Ada Lovelace") -> WalletHolder:
    assert services.wallet_base is not None
    email = f"holder-{uuid.uuid4().hex[:10]}@example.org"
    with services.database.session() as session:
        holder = services.wallet_base.accounts.signup(session, email, PASSWORD, name)
        token = services.wallet_base.accounts.create_token(session, holder, "tests")
        key = services.wallet_base.accounts.default_key(session, holder.id)
        return WalletHolder(holder.id, holder.public_id, email, token.token, key.did)


def tenant(services: Services, slug: str = "org-a") -> Tenant:
    return make_tenant(services, slug)


def issued(
    services: Services,
    issuer: Tenant,
    name: str = "Data Analysis Fundamentals",
    *,
    recipient: str = "ada@example.org",
    valid_until: datetime | None = None,
    achievement_type: str | None = None,
    alignment: list[dict[str, Any]] | None = None,
) -> Any:
    """A credential this instance issues (an OB 3.0 AchievementCredential, eddsa-rdfc-2022)."""
    definition: dict[str, Any] = {
        "name": name,
        "description": f"{name}: collects, cleans and analyses data sets.",
        "criteria": {"narrative": "Passed the final assessment."},
    }
    if achievement_type:
        definition["achievementType"] = achievement_type
    if alignment:
        definition["alignments"] = alignment
    achievement = services.achievements.create(issuer.actor, definition)
    return services.issuance.issue(
        issuer.actor, achievement.public_id, recipient, valid_until=valid_until
    )


def keep(services: Services, holder: WalletHolder, document: str, source: str = "file") -> str:
    """Put ``document`` in the holder's wallet; its wallet public id."""
    with services.database.session() as session:
        wallet = services.wallet
        if wallet is not None and hasattr(wallet, "store_received"):
            row = wallet.store_received(session, holder.holder_id, document, source=source)
        else:
            row = _store_minimal(services, session, holder.holder_id, document, source)
        return str(row.public_id)
