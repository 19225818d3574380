"""Tables of job postings, candidate profiles and evidence, match runs (issue 8).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0010_market``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import UTC_DATETIME, Base


class JobPosting(Base):
    """A job (or an internal role) an organization posts, with its skill requirements
    ``[{"label" (as written), "uri", "skillLabel", "framework", "required", "level",
    "confidence", "method"}]``."""

    __tablename__ = "job_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # a role for workforce tools
    occupation: Mapped[str | None] = mapped_column(String(500))  # ESCO / O*NET URI
    # other JobPosting fields kept for export: employmentType, location, datePosted, ...
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requirements: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(16))  # api | schema.org | hropen
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class CandidateProfile(Base):
    """A holder's opt-in talent profile: the wallet credentials they chose, what they
    assert, and the skills derived from them, each with its evidence and weight
    (``skills``: ``[{"uri", "label", "level", "weight", "evidence": [...]}]``)."""

    __tablename__ = "candidate_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), unique=True
    )
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # active | withdrawn
    visibility: Mapped[str] = mapped_column(String(16))  # all | selected
    organizations: Mapped[list[Any]] = mapped_column(default=list)  # slugs, when selected
    workforce: Mapped[list[Any]] = mapped_column(default=list)  # employers' slugs
    credentials: Mapped[list[Any]] = mapped_column(default=list)  # wallet credential ids
    self_asserted: Mapped[list[Any]] = mapped_column(default=list)  # [{"label", "level"}]
    about: Mapped[str] = mapped_column(Text, default="")  # free text (skills inferred)
    headline: Mapped[str] = mapped_column(String(200), default="")
    skills: Mapped[list[Any]] = mapped_column(default=list)
    excluded: Mapped[list[Any]] = mapped_column(default=list)  # [{"credential", "reason"}]
    consent_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)


class MatchRun(Base):
    """One logged ranking with the inputs it used (``inputs``: job, candidate ids, skill
    vectors digest, weights, engine version) and what it returned (``results``)."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    holder_id: Mapped[int | None] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), index=True
    )
    # candidates-for-job | jobs-for-candidate | workforce-mobility
    direction: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))  # the job's or profile's public id
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    results: Mapped[list[Any]] = mapped_column(default=list)  # [{"id", "score"}] best first
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
