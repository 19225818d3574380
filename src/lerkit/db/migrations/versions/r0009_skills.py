"""Tables of skill frameworks, skills, occupations, relations, crosswalks, embeddings (issue 7)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_skills``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "skill_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source_uri", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_skill_frameworks_organization_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_frameworks")),
        sa.UniqueConstraint("public_id", name=op.f("uq_skill_frameworks_public_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_skill_frameworks_slug")),
    )
    op.create_index(
        op.f("ix_skill_frameworks_organization_id"), "skill_frameworks", ["organization_id"]
    )
    op.create_table(
        "skill_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("alt_labels", JSON, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("broader", JSON, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["skill_frameworks.id"],
            name=op.f("fk_skill_items_framework_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_items")),
        sa.UniqueConstraint("framework_id", "uri", name=op.f("uq_skill_items_framework_id_uri")),
    )
    op.create_index(op.f("ix_skill_items_framework_id"), "skill_items", ["framework_id"])
    op.create_index(op.f("ix_skill_items_uri"), "skill_items", ["uri"])
    op.create_table(
        "skill_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_uri", sa.String(length=500), nullable=False),
        sa.Column("target_uri", sa.String(length=500), nullable=False),
        sa.Column("relation", sa.String(length=64), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["skill_frameworks.id"],
            name=op.f("fk_skill_relations_framework_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_relations")),
    )
    op.create_index(op.f("ix_skill_relations_framework_id"), "skill_relations", ["framework_id"])
    op.create_table(
        "skill_crosswalks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("source_framework", sa.String(length=64), nullable=False),
        sa.Column("source_uri", sa.String(length=500), nullable=False),
        sa.Column("target_framework", sa.String(length=64), nullable=False),
        sa.Column("target_uri", sa.String(length=500), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_skill_crosswalks_organization_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_crosswalks")),
        sa.UniqueConstraint("public_id", name=op.f("uq_skill_crosswalks_public_id")),
        sa.UniqueConstraint(
            "organization_id",
            "source_uri",
            "target_uri",
            name=op.f("uq_skill_crosswalks_organization_id_source_uri_target_uri"),
        ),
    )
    op.create_index(
        op.f("ix_skill_crosswalks_organization_id"), "skill_crosswalks", ["organization_id"]
    )
    op.create_table(
        "skill_embeddings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_embeddings")),
        sa.UniqueConstraint("uri", "model", name=op.f("uq_skill_embeddings_uri_model")),
    )


def downgrade() -> None:
    op.drop_table("skill_embeddings")
    op.drop_index(op.f("ix_skill_crosswalks_organization_id"), table_name="skill_crosswalks")
    op.drop_table("skill_crosswalks")
    op.drop_index(op.f("ix_skill_relations_framework_id"), table_name="skill_relations")
    op.drop_table("skill_relations")
    op.drop_index(op.f("ix_skill_items_uri"), table_name="skill_items")
    op.drop_index(op.f("ix_skill_items_framework_id"), table_name="skill_items")
    op.drop_table("skill_items")
    op.drop_index(op.f("ix_skill_frameworks_organization_id"), table_name="skill_frameworks")
    op.drop_table("skill_frameworks")
