"""Wiring of share links, consent ledger, résumés, the OB 3.0 host API (issue 5)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.db.models_wallet import WalletCredential
from lerkit.services.errors import ValidationError
from lerkit.services.wallet import sharing_backup
from lerkit.services.wallet.consent import ConsentLedger
from lerkit.services.wallet.ob3host import Ob3Host
from lerkit.services.wallet.resume import ResumeService
from lerkit.services.wallet.sharing import SharedCredential, SharingService

if TYPE_CHECKING:
    from lerkit.bootstrap import Services


@dataclass
class Sharing:
    """``services.sharing``: share links, the consent ledger, résumés, the OB 3.0 host."""

    shares: SharingService
    consent: ConsentLedger
    resumes: ResumeService
    ob3: Ob3Host


def wire(services: Services) -> None:
    """Set ``services.sharing`` (called once by ``build_services``)."""
    import os

    base = services.wallet_base
    if base is None:
        return
    public_url = services.settings.public_url

    def store(session: Session, holder_id: int, document: str, source: str) -> WalletCredential:
        wallet = services.wallet
        if wallet is not None and hasattr(wallet, "store_received"):
            row: WalletCredential = wallet.store_received(
                session, holder_id, document, source=source
            )
            return row
        return _store_minimal(services, session, holder_id, document, source)

    services.sharing = Sharing(
        shares=SharingService(base.consent, services.clock, os.urandom, public_url),
        consent=base.consent,
        resumes=ResumeService(
            base.accounts, services.clock, os.urandom, public_url, consent=base.consent
        ),
        ob3=Ob3Host(base.consent, services.clock, os.urandom, public_url, store, services.verifier),
    )
    wallet = services.wallet
    if wallet is not None and hasattr(wallet, "backups"):  # shares and résumés in backups
        wallet.backups.register(sharing_backup.part(os.urandom))


def _store_minimal(
    services: Services, session: Session, holder_id: int, document: str, source: str
) -> WalletCredential:
    """Keep a received credential when no wallet service is wired (verified, summarised
    from the document; idempotent on the exact bytes)."""
    import os

    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    found = session.scalar(
        select(WalletCredential).where(
            WalletCredential.holder_id == holder_id, WalletCredential.content_hash == digest
        )
    )
    if found is not None:
        return found
    parsed = SharedCredential("", "", document, {}, "").parsed()
    report = services.verifier().verify_credential(parsed)
    if str(report.verdict) == "invalid":
        raise ValidationError("the credential does not verify: " + ", ".join(report.codes))
    described = SharedCredential("", "", document, {}, "").describe()
    now = services.clock()
    row = WalletCredential(
        holder_id=holder_id,
        public_id=os.urandom(16).hex(),
        format="ldp_vc" if isinstance(parsed, dict) else "jwt_vc",
        document=document,
        content_hash=digest,
        credential_id=described.get("id") if isinstance(described.get("id"), str) else None,
        source=source,
        summary={
            "name": described["name"],
            "issuer": {"id": described["issuerId"], "name": described["issuerName"]},
            "validFrom": described["validFrom"],
            "validUntil": described["validUntil"],
        },
        verdict=str(report.verdict),
        report=json.loads(json.dumps(report.to_json())),
        verified_at=now,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row
