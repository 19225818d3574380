"""Tables of trust registries, entries, accreditations, subscriptions (issue 6).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0008_trust``.

A registry belongs to an organization (``organization_id``); its entries and
subscriptions hang off it (ON DELETE CASCADE). An entry's accreditation (the credential
its accreditor signed) is kept as given; a subscription keeps the last document fetched
(``snapshot``) with its ``ETag``, so that verifications do not wait for the source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import JSON_TYPE, UTC_DATETIME, Base


class TrustRegistry(Base):
    """A registry of trusted issuers kept by an organization (published or private)."""

    __tablename__ = "trust_registries"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))  # a slug, unique in the organization
    description: Mapped[str] = mapped_column(Text, default="")
    roots: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)  # root-of-trust DIDs
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the published ETag
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class TrustEntry(Base):
    """An issuer (or accrediting body) a registry recognises, and for what."""

    __tablename__ = "trust_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_id: Mapped[int] = mapped_column(
        ForeignKey("trust_registries.id", ondelete="CASCADE"), index=True
    )
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    did: Mapped[str] = mapped_column(String(500))
    name: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # issuer | accreditor
    credential_types: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    achievements: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    frameworks: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    accredited_by: Mapped[str | None] = mapped_column(String(500))
    accreditation: Mapped[Any | None] = mapped_column(JSON_TYPE)  # a credential (object or JWT)
    url: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    valid_until: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class TrustSubscription(Base):
    """Another registry this one federates: a lerkit registry or a DCC issuer list."""

    __tablename__ = "trust_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_id: Mapped[int] = mapped_column(
        ForeignKey("trust_registries.id", ondelete="CASCADE"), index=True
    )
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    url: Mapped[str] = mapped_column(String(1000))
    ttl_seconds: Mapped[int] = mapped_column(Integer, default=300)
    etag: Mapped[str | None] = mapped_column(String(300))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON_TYPE)
    fetched_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)  # last 200 or 304
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
