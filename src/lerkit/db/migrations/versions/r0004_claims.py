"""Claim links emailed to recipients, and their email deliveries.

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models`` as
of this revision); types are spelled out here, as in ``r0001_initial``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claim_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievements.id"], name=op.f("fk_claim_links_achievement_id")
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_claim_links_credential_id"),
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_claim_links_offer_id")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_claim_links_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_links")),
        sa.UniqueConstraint("public_id", name=op.f("uq_claim_links_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_claim_links_token_hash")),
    )
    op.create_index("ix_claim_links_organization_id", "claim_links", ["organization_id"])
    op.create_index("ix_claim_links_credential_id", "claim_links", ["credential_id"])
    op.create_table(
        "email_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_link_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", JSON, nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_link_id"],
            ["claim_links.id"],
            name=op.f("fk_email_deliveries_claim_link_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_deliveries")),
    )
    op.create_index("ix_email_deliveries_claim_link_id", "email_deliveries", ["claim_link_id"])


def downgrade() -> None:
    op.drop_index("ix_email_deliveries_claim_link_id", table_name="email_deliveries")
    op.drop_table("email_deliveries")
    op.drop_index("ix_claim_links_credential_id", table_name="claim_links")
    op.drop_index("ix_claim_links_organization_id", table_name="claim_links")
    op.drop_table("claim_links")
