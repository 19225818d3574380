"""Tables of share links and their views, consent records, résumés, OAuth clients and grants of the
OB 3.0 host API (issue 5)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_sharing``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}"), ondelete="CASCADE"
    )


def _index(table: str, column: str) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("recipient_organization", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        _fk("shares", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
        sa.UniqueConstraint("share_id", name=op.f("uq_shares_share_id")),
    )
    _index("shares", "holder_id")
    op.create_table(
        "share_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_pk", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("credential_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("share_items", "share_pk", "shares"),
        _fk("share_items", "holder_id", "holders"),
        _fk("share_items", "credential_pk", "wallet_credentials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_items")),
    )
    for column in ("share_pk", "holder_id", "credential_pk"):
        _index("share_items", column)
    op.create_table(
        "share_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_pk", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", UTC_DATETIME, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_hint", sa.String(length=100), nullable=False),
        _fk("share_views", "share_pk", "shares"),
        _fk("share_views", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_views")),
    )
    for column in ("share_pk", "holder_id"):
        _index("share_views", column)
    op.create_table(
        "resumes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        _fk("resumes", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resumes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_resumes_public_id")),
    )
    _index("resumes", "holder_id")
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("redirect_uris", JSON, nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        _fk("oauth_codes", "client_pk", "oauth_clients"),
        _fk("oauth_codes", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_codes_code_hash")),
    )
    for column in ("client_pk", "holder_id"):
        _index("oauth_codes", column)
    op.create_table(
        "oauth_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_pk", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("access_expires_at", UTC_DATETIME, nullable=False),
        sa.Column("refresh_expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        _fk("oauth_grants", "client_pk", "oauth_clients"),
        _fk("oauth_grants", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_grants")),
        sa.UniqueConstraint("access_hash", name=op.f("uq_oauth_grants_access_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_oauth_grants_refresh_hash")),
    )
    for column in ("client_pk", "holder_id"):
        _index("oauth_grants", column)
    op.create_table(
        "holder_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        _fk("holder_profiles", "holder_id", "holders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_profiles")),
        sa.UniqueConstraint("holder_id", name=op.f("uq_holder_profiles_holder_id")),
    )


_INDEXED = {
    "holder_profiles": (),
    "oauth_grants": ("client_pk", "holder_id"),
    "oauth_codes": ("client_pk", "holder_id"),
    "oauth_clients": (),
    "resumes": ("holder_id",),
    "share_views": ("share_pk", "holder_id"),
    "share_items": ("share_pk", "holder_id", "credential_pk"),
    "shares": ("holder_id",),
}


def downgrade() -> None:
    for table, columns in _INDEXED.items():  # children first
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
