"""Initial schema: organizations, members, API keys, signing keys, achievements and their
versions, status lists and entries, issued credentials, bulk jobs and rows, audit events.

Written by hand from ``alembic revision --autogenerate`` (against ``lerkit.db.models`` as
of this revision): types are spelled out here, not imported from the models, so that this
revision keeps meaning what it meant when the models change.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# lerkit.db.models.JSON_TYPE and UTCDateTime (a TypeDecorator over this DateTime)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("did_method", sa.String(length=10), nullable=False),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("did", name=op.f("uq_organizations_did")),
        sa.UniqueConstraint("slug", name=op.f("uq_organizations_slug")),
    )
    op.create_table(
        "achievements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_achievements_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        sa.UniqueConstraint("public_id", name=op.f("uq_achievements_public_id")),
    )
    op.create_index("ix_achievements_organization_id", "achievements", ["organization_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_audit_events_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_org_created", "audit_events", ["organization_id", "created_at"]
    )

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_members_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "organization_id", "email", name=op.f("uq_members_organization_id_email")
        ),
    )
    op.create_index("ix_members_organization_id", "members", ["organization_id"])

    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("public_multikey", sa.String(length=200), nullable=False),
        sa.Column("encrypted_private", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("retired_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_signing_keys_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint(
            "organization_id", "key_id", name=op.f("uq_signing_keys_organization_id_key_id")
        ),
    )
    op.create_index("ix_signing_keys_organization_id", "signing_keys", ["organization_id"])

    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_status_lists_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
        sa.UniqueConstraint("public_id", name=op.f("uq_status_lists_public_id")),
    )
    op.create_index("ix_status_lists_organization_id", "status_lists", ["organization_id"])

    op.create_table(
        "achievement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_achievement_versions_achievement_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_versions")),
        sa.UniqueConstraint(
            "achievement_id", "version", name=op.f("uq_achievement_versions_achievement_id_version")
        ),
    )
    op.create_index(
        "ix_achievement_versions_achievement_id", "achievement_versions", ["achievement_id"]
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_api_keys_member_id")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_api_keys_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_keys_public_id")),
    )
    op.create_index("ix_api_keys_organization_id", "api_keys", ["organization_id"])

    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievements.id"], name=op.f("fk_bulk_jobs_achievement_id")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_bulk_jobs_organization_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
        sa.UniqueConstraint("public_id", name=op.f("uq_bulk_jobs_public_id")),
    )
    op.create_index("ix_bulk_jobs_organization_id", "bulk_jobs", ["organization_id"])

    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=False),
        sa.Column("achievement_version_id", sa.Integer(), nullable=True),
        sa.Column("signing_key_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("recipient_type", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_version_id"],
            ["achievement_versions.id"],
            name=op.f("fk_issued_credentials_achievement_version_id"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_issued_credentials_organization_id"),
        ),
        sa.ForeignKeyConstraint(
            ["signing_key_id"],
            ["signing_keys.id"],
            name=op.f("fk_issued_credentials_signing_key_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credentials")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_issued_credentials_credential_id")),
        sa.UniqueConstraint(
            "organization_id",
            "idempotency_key",
            name=op.f("uq_issued_credentials_organization_id_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_issued_credentials_org_recipient",
        "issued_credentials",
        ["organization_id", "recipient"],
    )
    op.create_index(
        "ix_issued_credentials_organization_id", "issued_credentials", ["organization_id"]
    )
    op.create_index(
        "ix_issued_credentials_signing_key_id", "issued_credentials", ["signing_key_id"]
    )

    op.create_table(
        "bulk_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["issued_credentials.id"], name=op.f("fk_bulk_rows_credential_id")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["bulk_jobs.id"], name=op.f("fk_bulk_rows_job_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_rows")),
        sa.UniqueConstraint("job_id", "row_number", name=op.f("uq_bulk_rows_job_id_row_number")),
    )
    op.create_index("ix_bulk_rows_job_id", "bulk_rows", ["job_id"])

    op.create_table(
        "status_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("list_index", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_status_entries_credential_id"),
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"], ["status_lists.id"], name=op.f("fk_status_entries_status_list_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_entries")),
        sa.UniqueConstraint(
            "status_list_id", "list_index", name=op.f("uq_status_entries_status_list_id_list_index")
        ),
    )
    op.create_index("ix_status_entries_credential_id", "status_entries", ["credential_id"])


def downgrade() -> None:
    # dropping a table drops its indexes and constraints; children before parents
    op.drop_table("status_entries")
    op.drop_table("bulk_rows")
    op.drop_table("issued_credentials")
    op.drop_table("bulk_jobs")
    op.drop_table("api_keys")
    op.drop_table("achievement_versions")
    op.drop_table("status_lists")
    op.drop_table("signing_keys")
    op.drop_table("members")
    op.drop_table("audit_events")
    op.drop_table("achievements")
    op.drop_table("organizations")
