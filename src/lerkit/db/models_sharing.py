"""Tables of share links and their views, résumés, OAuth clients and grants of the OB 3.0 host
API (issue 5). Consent records live in :mod:`lerkit.db.models_wallet` (``ConsentRecord``).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0006_sharing``.

Every row that belongs to a holder carries ``holder_id`` (ON DELETE CASCADE): erasing a
holder erases their shares, views, résumés, OAuth grants and OB 3.0 profile. Secrets of the
OB 3.0 host API (client secrets, authorization codes, access and refresh tokens) are stored
as SHA-256 hex digests only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import UTC_DATETIME, Base


class Share(Base):
    """A share link: some of a holder's credentials, for one recipient, until an expiry.
    ``share_id`` is the unguessable capability in ``/s/{share_id}`` (192 random bits)."""

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    share_id: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    recipient_organization: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(String(2000))  # shown on the public page
    lang: Mapped[str] = mapped_column(String(8), default="en")
    consent_id: Mapped[str] = mapped_column(String(32))  # ConsentRecord.public_id
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class ShareItem(Base):
    """One credential of a share (in the order the holder chose)."""

    __tablename__ = "share_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_pk: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    credential_pk: Mapped[int] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class ShareView(Base):
    """One view of a share link: when, how (page, json, pdf) and a coarse client hint
    (browser family and OS, or "software"); never an IP address."""

    __tablename__ = "share_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_pk: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    kind: Mapped[str] = mapped_column(String(16))  # page | json | pdf
    client_hint: Mapped[str] = mapped_column(String(100))


class Resume(Base):
    """A verifiable résumé: the HR Open LER-RS document composed from chosen credentials and
    self-asserted entries (``document``), and what it was composed from (``inputs``)."""

    __tablename__ = "resumes"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class OAuthClient(Base):
    """A client registered with RFC 7591 dynamic registration (a third-party issuer)."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    client_name: Mapped[str] = mapped_column(String(200))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class OAuthCode(Base):
    """An authorization code (single use, short-lived), bound to the PKCE challenge."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(1000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    consent_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    used_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class OAuthGrant(Base):
    """An access token and its refresh token (both hashed), for one holder and client.
    Refreshing rotates both; revoking either (RFC 7009) revokes the grant."""

    __tablename__ = "oauth_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(1000))
    consent_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    access_expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    refresh_expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class HolderProfile(Base):
    """The holder's OB 3.0 ``Profile`` as the host API serves it (``GET/PUT /profile``)."""

    __tablename__ = "holder_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), unique=True
    )
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
