"""Tables of holders, their keys, received credentials, collections, tags, self-asserted entries,
sessions, tokens (issue 5)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_wallet``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holders")),
        sa.UniqueConstraint("email", name=op.f("uq_holders_email")),
        sa.UniqueConstraint("public_id", name=op.f("uq_holders_public_id")),
    )
    op.create_table(
        "holder_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        _holder_fk("holder_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_tokens")),
        sa.UniqueConstraint("public_id", name=op.f("uq_holder_tokens_public_id")),
    )
    _holder_index("holder_tokens")
    op.create_table(
        "holder_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("did", sa.String(length=300), nullable=False),
        sa.Column("verification_method", sa.String(length=400), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("public_multikey", sa.String(length=200), nullable=False),
        sa.Column("encrypted_private", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _holder_fk("holder_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_keys")),
        sa.UniqueConstraint("holder_id", "did", name=op.f("uq_holder_keys_holder_id_did")),
        sa.UniqueConstraint("public_id", name=op.f("uq_holder_keys_public_id")),
    )
    _holder_index("holder_keys")
    op.create_table(
        "wallet_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("verified_at", UTC_DATETIME, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        _holder_fk("wallet_credentials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_credentials")),
        sa.UniqueConstraint(
            "holder_id", "content_hash", name=op.f("uq_wallet_credentials_holder_id_content_hash")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_credentials_public_id")),
    )
    _holder_index("wallet_credentials")
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("disclosed", JSON, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("ongoing", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("withdrawn_at", UTC_DATETIME, nullable=True),
        _holder_fk("consent_records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
        sa.UniqueConstraint("public_id", name=op.f("uq_consent_records_public_id")),
    )
    _holder_index("consent_records")
    _wallet_area_tables()


def _wallet_area_tables() -> None:
    op.create_table(
        "holder_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        _holder_fk("holder_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_sessions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_holder_sessions_public_id")),
    )
    _holder_index("holder_sessions")
    op.create_table(
        "holder_totp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("encrypted_secret", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("recovery_hashes", JSON, nullable=False),
        sa.Column("last_counter", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("confirmed_at", UTC_DATETIME, nullable=True),
        _holder_fk("holder_totp"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_totp")),
        sa.UniqueConstraint("holder_id", name=op.f("uq_holder_totp_holder_id")),
    )
    op.create_table(
        "wallet_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _holder_fk("wallet_collections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_collections")),
        sa.UniqueConstraint("holder_id", "name", name=op.f("uq_wallet_collections_holder_id_name")),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_collections_public_id")),
    )
    _holder_index("wallet_collections")
    op.create_table(
        "wallet_collection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["wallet_collections.id"],
            name=op.f("fk_wallet_collection_items_collection_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["wallet_credentials.id"],
            name=op.f("fk_wallet_collection_items_credential_id"),
            ondelete="CASCADE",
        ),
        _holder_fk("wallet_collection_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_collection_items")),
        sa.UniqueConstraint(
            "collection_id",
            "credential_id",
            name=op.f("uq_wallet_collection_items_collection_id_credential_id"),
        ),
    )
    _holder_index("wallet_collection_items")
    op.create_index(
        op.f("ix_wallet_collection_items_credential_id"),
        "wallet_collection_items",
        ["credential_id"],
        unique=False,
    )
    op.create_table(
        "wallet_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["wallet_credentials.id"],
            name=op.f("fk_wallet_tags_credential_id"),
            ondelete="CASCADE",
        ),
        _holder_fk("wallet_tags"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_tags")),
        sa.UniqueConstraint("credential_id", "tag", name=op.f("uq_wallet_tags_credential_id_tag")),
    )
    _holder_index("wallet_tags")
    op.create_table(
        "wallet_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organization", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=True),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _holder_fk("wallet_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_entries")),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_entries_public_id")),
    )
    _holder_index("wallet_entries")


def _holder_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["holder_id"], ["holders.id"], name=op.f(f"fk_{table}_holder_id"), ondelete="CASCADE"
    )


def _holder_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_holder_id"), table, ["holder_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_collection_items_credential_id"), "wallet_collection_items")
    for table in (
        "wallet_entries",
        "wallet_tags",
        "wallet_collection_items",
        "wallet_collections",
        "holder_sessions",
    ):
        op.drop_index(op.f(f"ix_{table}_holder_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("holder_totp")
    for table in ("consent_records", "wallet_credentials", "holder_keys", "holder_tokens"):
        op.drop_index(op.f(f"ix_{table}_holder_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("holders")
