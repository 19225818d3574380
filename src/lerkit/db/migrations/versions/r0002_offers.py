"""OpenID4VCI: credential offers, their access tokens, and c_nonces.

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models`` as
of this revision); types are spelled out here, as in ``r0001_initial``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("configuration_ids", JSON, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("reference_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("reference_served_at", UTC_DATETIME, nullable=True),
        sa.Column("redeemed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievements.id"], name=op.f("fk_offers_achievement_id")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_offers_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_offers_code_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_offers_public_id")),
        sa.UniqueConstraint("reference_code_hash", name=op.f("uq_offers_reference_code_hash")),
    )
    op.create_index("ix_offers_organization_id", "offers", ["organization_id"])
    op.create_table(
        "offer_access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("claimed", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_access_tokens_offer_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_offer_access_tokens_token_hash")),
    )
    op.create_index("ix_offer_access_tokens_offer_id", "offer_access_tokens", ["offer_id"])
    op.create_table(
        "c_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_c_nonces_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_c_nonces")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_c_nonces_nonce_hash")),
    )
    op.create_index("ix_c_nonces_organization_id", "c_nonces", ["organization_id"])
    op.create_index("ix_c_nonces_expires_at", "c_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_c_nonces_expires_at", table_name="c_nonces")
    op.drop_index("ix_c_nonces_organization_id", table_name="c_nonces")
    op.drop_table("c_nonces")
    op.drop_index("ix_offer_access_tokens_offer_id", table_name="offer_access_tokens")
    op.drop_table("offer_access_tokens")
    op.drop_index("ix_offers_organization_id", table_name="offers")
    op.drop_table("offers")
