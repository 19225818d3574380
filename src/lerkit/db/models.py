"""The relational model of the issuing service (SQLAlchemy 2; migrations in ``migrations/``).

Conventions: integer surrogate keys stay inside the database; URLs and the API use
``public_id`` (uuid4 hex) or slugs. Times are timezone-aware UTC (``UTCDateTime``: a naive
datetime is refused on write, and every read is aware UTC on SQLite and PostgreSQL alike).
JSON columns are ``JSON`` (``JSONB`` on PostgreSQL). Issued credentials are stored as the
exact text produced (``document``); anything parsed derives from it. Every row that belongs
to an organization carries ``organization_id`` so that tenant isolation is one ``WHERE``
away.

Changing the model means writing a migration (``alembic revision --autogenerate`` with
``lerkit.db.migrate.alembic_config``, then reviewed by hand); ``lerkit db check`` and
``tests/integration/test_migrations.py`` fail while the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",  # PostgreSQL names stop at 63 bytes
    "pk": "pk_%(table_name)s",
}


JSON_TYPE = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that holds aware UTC datetimes on every backend.

    SQLite has no time zones: SQLAlchemy writes the wall-clock digits and reads back a naive
    datetime. This type converts to UTC before writing, refuses naive datetimes (a bug: which
    zone was meant?) and marks what it reads as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given: use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON_TYPE, list[Any]: JSON_TYPE}  # noqa: RUF012


UTC_DATETIME = UTCDateTime()


class Organization(Base):
    """A tenant: a school, training provider, employer or accreditor."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    did: Mapped[str] = mapped_column(String(500), unique=True)
    did_method: Mapped[str] = mapped_column(String(10))  # "web" | "key"
    # OB 3.0 Profile extras
    profile: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))  # owner | admin | issuer | viewer
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class ApiKey(Base):
    """An API key: shown once; only a hash of its secret part is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # the key's visible prefix
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    last_used_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class SigningKey(Base):
    """A signing key: the private part encrypted under a data key wrapped by the master key."""

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("organization_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(64))  # DID URL fragment, e.g. "key-1"
    key_type: Mapped[str] = mapped_column(String(16))
    public_multikey: Mapped[str] = mapped_column(String(200))
    encrypted_private: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # active | retired
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    retired_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class Achievement(Base):
    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    current_version: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)

    versions: Mapped[list[AchievementVersion]] = relationship(
        back_populates="achievement", order_by="AchievementVersion.version"
    )


class AchievementVersion(Base):
    """An immutable version of an achievement; editing creates the next one."""

    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE)  # name, description, criteria, ...
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)

    achievement: Mapped[Achievement] = relationship(back_populates="versions")


class StatusList(Base):
    """A Bitstring Status List of one organization and purpose."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # revocation | suspension
    length: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)  # the raw bitstring
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumps on every change (ETag)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class IssuedCredential(Base):
    """A credential as issued: the exact document, its recipient, key and status entries."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key"),
        Index("ix_issued_credentials_org_recipient", "organization_id", "recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(100), unique=True)  # urn:uuid:...
    achievement_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievement_versions.id")
    )
    signing_key_id: Mapped[int | None] = mapped_column(ForeignKey("signing_keys.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(500))  # as given (email, DID, other)
    recipient_type: Mapped[str] = mapped_column(String(16))  # email | did | other
    # ldp-eddsa-rdfc-2022 | ldp-ed25519-2020 | vc-jwt | clr
    format: Mapped[str] = mapped_column(String(32))
    document: Mapped[str] = mapped_column(Text)  # exactly as produced
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(Text)


class StatusEntry(Base):
    """One allocated index of a status list, held by one credential."""

    __tablename__ = "status_entries"
    __table_args__ = (UniqueConstraint("status_list_id", "list_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    list_index: Mapped[int] = mapped_column(Integer)
    credential_id: Mapped[int] = mapped_column(ForeignKey("issued_credentials.id"), index=True)


class BulkJob(Base):
    __tablename__ = "bulk_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE)
    # format, duplicate policy, ...
    options: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)
    state: Mapped[str] = mapped_column(String(16))  # validated | queued | running | done | failed
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    started_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    finished_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    error: Mapped[str | None] = mapped_column(Text)


class BulkRow(Base):
    __tablename__ = "bulk_rows"
    __table_args__ = (UniqueConstraint("job_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("bulk_jobs.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # pending | issued | skipped | failed
    errors: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("issued_credentials.id"))


class AuditEvent(Base):
    """Who did what, when, to which object."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # the organization's log, newest first
        Index("ix_audit_events_org_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class Offer(Base):
    """An OpenID4VCI credential offer (pre-authorized code flow) of one achievement.

    Secrets are kept only as SHA-256 hashes: the pre-authorized code given by value
    (``code_hash``), the one minted when the wallet fetches the offer by reference
    (``reference_code_hash``, once) and the PIN (``tx_code_hash``, salted). The offer is
    redeemed at most once (``redeemed_at``) and not after ``expires_at``.
    """

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    recipient: Mapped[str] = mapped_column(String(500))  # whom the offer is meant for
    configuration_ids: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reference_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    reference_served_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class OfferAccessToken(Base):
    """An OAuth access token given for a redeemed offer (only its SHA-256 hash is kept);
    ``claimed`` lists the credential configurations already issued with it."""

    __tablename__ = "offer_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    claimed: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class CNonce(Base):
    """A ``c_nonce`` from an organization's nonce endpoint: used once, in one proof."""

    __tablename__ = "c_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class Exchange(Base):
    """A VC-API exchange of the "didauth-issue" workflow: the wallet proves control of a
    DID (DIDAuthentication, answering ``challenge``), then receives one credential of
    ``achievement_id`` bound to that DID (``holder``, ``credential_id``). Single use:
    ``state`` goes pending -> active (a challenge was given) -> complete, or invalid; an
    exchange made for an OpenID4VCI offer (``offer_id``) redeems that offer when it completes.
    """

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    recipient: Mapped[str] = mapped_column(String(500))  # whom the exchange is meant for
    state: Mapped[str] = mapped_column(String(16))  # pending | active | complete | invalid
    challenge: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_error: Mapped[dict[str, Any] | None] = mapped_column(JSON_TYPE)
    holder: Mapped[str | None] = mapped_column(String(2000))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("issued_credentials.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    completed_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class ClaimLink(Base):
    """A link emailed to ONE recipient to claim a credential (or an offer) in a browser.

    The token in the URL is kept only as its SHA-256 hash (``token_hash``); resending mints a
    new token (the old link stops working). The page shows the achievement, the
    credential's downloads (when ``credential_id`` is set) and the OpenID4VCI offer
    (``offer_id``). A link is unusable after ``expires_at`` or once ``revoked_at`` is set.
    """

    __tablename__ = "claim_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_credentials.id"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(8))  # en | fr
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class EmailDelivery(Base):
    """One delivery of a claim link's email (each send or resend is one row): every attempt
    in ``attempts`` (time, outcome, SMTP detail) and the final ``state`` — pending, sent,
    failed (retries exhausted or permanent refusal) or bounced (reported later)."""

    __tablename__ = "email_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_link_id: Mapped[int] = mapped_column(ForeignKey("claim_links.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


# Each area's tables live in their own module, on this ``Base`` (imported last: they use it).
from lerkit.db import (  # noqa: E402
    models_market,
    models_oid4vp,
    models_sharing,
    models_skills,
    models_trust,
    models_wallet,
)

AREA_MODELS = (
    models_wallet,
    models_sharing,
    models_oid4vp,
    models_trust,
    models_skills,
    models_market,
)
