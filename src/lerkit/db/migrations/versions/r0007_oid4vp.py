"""Tables of OpenID4VP presentation requests and their responses (issues 5, 6)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_oid4vp``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=600), nullable=False),
        sa.Column("dcql_query", JSON, nullable=False),
        sa.Column("trusted_issuers", JSON, nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("request_object", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claims", JSON, nullable=False),
        sa.Column("reports", JSON, nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("responded_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_presentation_requests_organization_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_presentation_requests_public_id")),
    )
    op.create_index(
        op.f("ix_presentation_requests_organization_id"),
        "presentation_requests",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "wallet_presentation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=600), nullable=False),
        sa.Column("verifier_did", sa.String(length=500), nullable=True),
        sa.Column("verifier_name", sa.String(length=300), nullable=True),
        sa.Column("purpose", sa.String(length=1000), nullable=False),
        sa.Column("response_uri", sa.String(length=2000), nullable=False),
        sa.Column("nonce", sa.String(length=512), nullable=False),
        sa.Column("state", sa.String(length=512), nullable=True),
        sa.Column("dcql_query", JSON, nullable=False),
        sa.Column("matches", JSON, nullable=False),
        sa.Column("satisfiable", sa.Boolean(), nullable=False),
        sa.Column("consent_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verifier_answer", JSON, nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["holders.id"],
            name=op.f("fk_wallet_presentation_requests_holder_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_presentation_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_presentation_requests_public_id")),
    )
    op.create_index(
        op.f("ix_wallet_presentation_requests_holder_id"),
        "wallet_presentation_requests",
        ["holder_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_presentation_requests_holder_id"), "wallet_presentation_requests")
    op.drop_table("wallet_presentation_requests")
    op.drop_index(op.f("ix_presentation_requests_organization_id"), "presentation_requests")
    op.drop_table("presentation_requests")
