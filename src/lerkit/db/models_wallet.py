"""Tables of holders, their keys, received credentials, collections, tags, self-asserted
entries, sessions, tokens (issue 5).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0005_wallet``.

Every row that belongs to a holder carries ``holder_id`` (ON DELETE CASCADE), so that a
holder's data is one ``WHERE`` away and erasing a holder erases everything of theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import UTC_DATETIME, Base


class Holder(Base):
    """A person's wallet account."""

    __tablename__ = "holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    lang: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class HolderToken(Base):
    """An API token of a holder (``lw_<public_id>_<secret>``; only SHA-256 of the secret
    is stored)."""

    __tablename__ = "holder_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class HolderKey(Base):
    """A holder's key and DID (did:key by default), the private part envelope-encrypted
    like organizations' signing keys (associated data binds it to this holder and key)."""

    __tablename__ = "holder_keys"
    __table_args__ = (UniqueConstraint("holder_id", "did"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    did: Mapped[str] = mapped_column(String(300))
    verification_method: Mapped[str] = mapped_column(String(400))
    key_type: Mapped[str] = mapped_column(String(16))
    public_multikey: Mapped[str] = mapped_column(String(200))
    encrypted_private: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class WalletCredential(Base):
    """A credential a holder received, kept exactly as received (``document``), with the
    summary derived from it and its latest verification report."""

    __tablename__ = "wallet_credentials"
    __table_args__ = (UniqueConstraint("holder_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # ldp_vc (JSON-LD with Data Integrity) | jwt_vc (VC-JOSE) | sd_jwt_vc | ob2 (assertion)
    format: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(Text)  # exactly as received
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of document
    credential_id: Mapped[str | None] = mapped_column(String(500))  # its own id, if any
    # oid4vci | exchange | file | url | ob3-api | issued-here
    source: Mapped[str] = mapped_column(String(32))
    # derived: {"types", "issuer": {"id", "name"}, "name", "description", "achievement",
    # "validFrom", "validUntil", "subject_id", "skills": [...]}
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verdict: Mapped[str] = mapped_column(String(24))  # valid | invalid | indeterminate ...
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)  # VerificationReport JSON
    verified_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    received_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class ConsentRecord(Base):
    """What a holder disclosed, to whom, when and why (the consent ledger). ``ongoing``
    consents (a share link, a talent profile) can be withdrawn; one-off presentations are
    kept as history."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # presentation | share | oid4vp | exchange | talent_profile | ob3_api
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(500))  # who: a DID, client id, name
    purpose: Mapped[str] = mapped_column(String(500))
    # [{"credential": <wallet credential public_id>, "fields": [JSON pointers or claim
    #   paths disclosed; ["*"] = everything]}]
    disclosed: Mapped[list[Any]] = mapped_column(default=list)
    reference: Mapped[str | None] = mapped_column(String(64))  # e.g. the share's public_id
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


# ----------------------------------------------------------------------------- wallet area
# (sign-in sessions, second factor, collections, tags, self-asserted entries)


class HolderSession(Base):
    """A web sign-in session: the cookie holds ``<public_id>.<secret>``; only SHA-256 of
    the secret is stored. Opened only after the password (and TOTP code, if enrolled)."""

    __tablename__ = "holder_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class HolderTotp(Base):
    """A holder's TOTP second factor (RFC 6238): the secret envelope-encrypted, recovery
    codes as SHA-256 hashes (each usable once). Active once ``confirmed_at`` is set."""

    __tablename__ = "holder_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), unique=True
    )
    encrypted_secret: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))
    recovery_hashes: Mapped[list[Any]] = mapped_column(default=list)
    last_counter: Mapped[int] = mapped_column(default=0)  # no code is accepted twice
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class WalletCollection(Base):
    """A named group of a holder's credentials."""

    __tablename__ = "wallet_collections"
    __table_args__ = (UniqueConstraint("holder_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class WalletCollectionItem(Base):
    """A credential in a collection."""

    __tablename__ = "wallet_collection_items"
    __table_args__ = (UniqueConstraint("collection_id", "credential_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_collections.id", ondelete="CASCADE")
    )
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="CASCADE"), index=True
    )


class WalletTag(Base):
    """A tag on a credential (lower-cased, trimmed)."""

    __tablename__ = "wallet_tags"
    __table_args__ = (UniqueConstraint("credential_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_credentials.id", ondelete="CASCADE")
    )
    tag: Mapped[str] = mapped_column(String(64))


class WalletEntry(Base):
    """A self-asserted entry (skill, experience, education, goal): never verified, and
    every output marks it so."""

    __tablename__ = "wallet_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # skill | experience | education | goal
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD or YYYY-MM
    end_date: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
