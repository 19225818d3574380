"""Tables of trust registries, entries, accreditations, subscriptions; verification caches (issue 6)

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models_trust``);
types are spelled out here, as in ``r0001_initial``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trust_registries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("roots", JSON, nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_trust_registries_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_registries")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_trust_registries_organization_id_name")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_trust_registries_public_id")),
    )
    op.create_index(
        op.f("ix_trust_registries_organization_id"),
        "trust_registries",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "trust_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("credential_types", JSON, nullable=False),
        sa.Column("achievements", JSON, nullable=False),
        sa.Column("frameworks", JSON, nullable=False),
        sa.Column("accredited_by", sa.String(length=500), nullable=True),
        sa.Column("accreditation", JSON, nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("valid_from", UTC_DATETIME, nullable=True),
        sa.Column("valid_until", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _registry_fk("trust_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_entries")),
        sa.UniqueConstraint("public_id", name=op.f("uq_trust_entries_public_id")),
    )
    _registry_index("trust_entries")
    op.create_table(
        "trust_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("ttl_seconds", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("snapshot", JSON, nullable=True),
        sa.Column("fetched_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _registry_fk("trust_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_subscriptions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_trust_subscriptions_public_id")),
    )
    _registry_index("trust_subscriptions")


def _registry_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["registry_id"],
        ["trust_registries.id"],
        name=op.f(f"fk_{table}_registry_id"),
        ondelete="CASCADE",
    )


def _registry_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_registry_id"), table, ["registry_id"], unique=False)


def downgrade() -> None:
    for table in ("trust_subscriptions", "trust_entries"):
        op.drop_index(op.f(f"ix_{table}_registry_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_trust_registries_organization_id"), table_name="trust_registries")
    op.drop_table("trust_registries")
