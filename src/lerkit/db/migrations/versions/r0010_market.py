"""Tables of job postings, candidate profiles and evidence, match runs (issue 8)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_market``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("occupation", sa.String(length=500), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("requirements", JSON, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_job_postings_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_postings")),
        sa.UniqueConstraint("public_id", name=op.f("uq_job_postings_public_id")),
    )
    op.create_index(
        op.f("ix_job_postings_organization_id"), "job_postings", ["organization_id"], unique=False
    )
    op.create_table(
        "candidate_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("organizations", JSON, nullable=False),
        sa.Column("workforce", JSON, nullable=False),
        sa.Column("credentials", JSON, nullable=False),
        sa.Column("self_asserted", JSON, nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("headline", sa.String(length=200), nullable=False),
        sa.Column("skills", JSON, nullable=False),
        sa.Column("excluded", JSON, nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("withdrawn_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["holders.id"],
            name=op.f("fk_candidate_profiles_holder_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_profiles")),
        sa.UniqueConstraint("holder_id", name=op.f("uq_candidate_profiles_holder_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_candidate_profiles_public_id")),
    )
    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["holders.id"],
            name=op.f("fk_match_runs_holder_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_match_runs_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_runs")),
        sa.UniqueConstraint("public_id", name=op.f("uq_match_runs_public_id")),
    )
    op.create_index(op.f("ix_match_runs_holder_id"), "match_runs", ["holder_id"], unique=False)
    op.create_index(
        op.f("ix_match_runs_organization_id"), "match_runs", ["organization_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_match_runs_organization_id"), table_name="match_runs")
    op.drop_index(op.f("ix_match_runs_holder_id"), table_name="match_runs")
    op.drop_table("match_runs")
    op.drop_table("candidate_profiles")
    op.drop_index(op.f("ix_job_postings_organization_id"), table_name="job_postings")
    op.drop_table("job_postings")
