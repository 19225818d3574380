"""Tables of OpenID4VP presentation requests and their responses (issues 5, 6).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0007_oid4vp``.

* ``presentation_requests`` — the verifier side: one row per request an organization made
  (its DCQL query, nonce and state, the signed request object), and, once answered, the
  verified disclosed claims and one verification report per presentation. Single use:
  ``status`` leaves ``pending`` exactly once.
* ``wallet_presentation_requests`` — the wallet side: a request a holder opened (checked
  and evaluated against their credentials), waiting for their consent, then answered or
  declined. The consent page is reached with a one-time secret (only its hash is kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import UTC_DATETIME, Base


class PresentationRequest(Base):
    __tablename__ = "presentation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(600))
    dcql_query: Mapped[dict[str, Any]] = mapped_column()
    # issuer DIDs the organization accepts ([] = any issuer)
    trusted_issuers: Mapped[list[Any]] = mapped_column(default=list)
    nonce: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    request_object: Mapped[str] = mapped_column(Text)  # the signed JWT, served at request_uri
    status: Mapped[str] = mapped_column(String(16))  # pending | verified | rejected
    claims: Mapped[dict[str, Any]] = mapped_column(default=dict)  # query id -> [disclosed]
    reports: Mapped[list[Any]] = mapped_column(default=list)  # per presentation
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    responded_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class WalletPresentationRequest(Base):
    __tablename__ = "wallet_presentation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(600))
    verifier_did: Mapped[str | None] = mapped_column(String(500))
    verifier_name: Mapped[str | None] = mapped_column(String(300))  # as the verifier says
    purpose: Mapped[str] = mapped_column(String(1000))
    response_uri: Mapped[str] = mapped_column(String(2000))
    nonce: Mapped[str] = mapped_column(String(512))
    state: Mapped[str | None] = mapped_column(String(512))
    dcql_query: Mapped[dict[str, Any]] = mapped_column()
    # query id -> [{"credential": public_id, "pointers": [...], "claims": [...]}]
    matches: Mapped[dict[str, Any]] = mapped_column(default=dict)
    satisfiable: Mapped[bool] = mapped_column(default=False)
    consent_secret_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | shared | declined | failed
    verifier_answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent_id: Mapped[str | None] = mapped_column(String(32))  # the ConsentRecord
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    answered_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
