"""VC-API exchanges (workflow "didauth-issue").

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models`` as
of this revision); types are spelled out here, as in ``r0001_initial``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=True),
        sa.Column("last_error", JSON, nullable=True),
        sa.Column("holder", sa.String(length=2000), nullable=True),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievements.id"], name=op.f("fk_exchanges_achievement_id")
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["issued_credentials.id"], name=op.f("fk_exchanges_credential_id")
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_exchanges_offer_id")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_exchanges_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("challenge", name=op.f("uq_exchanges_challenge")),
        sa.UniqueConstraint("public_id", name=op.f("uq_exchanges_public_id")),
    )
    op.create_index("ix_exchanges_organization_id", "exchanges", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_exchanges_organization_id", table_name="exchanges")
    op.drop_table("exchanges")
