"""Tables of skill frameworks, skills, occupations, relations, crosswalks, embeddings (issue 7).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0009_skills``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lerkit.db.models import JSON_TYPE, UTC_DATETIME, Base


class SkillFramework(Base):
    """An imported skill framework (CASE, RSD collection, ESCO, O*NET, CTDL-ASN).

    ``slug`` is the framework id used in ``SkillRef.framework``; ``document`` keeps the
    framework-level source objects (CFDocument, CFDefinitions, ...) for lossless export.
    A framework belongs to the organization that imported it (NULL: imported by the
    installation's CLI); ``public`` ones are listed and searched by everyone."""

    __tablename__ = "skill_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(100))
    source_format: Mapped[str] = mapped_column(String(16))  # case | rsd | esco | onet | ctdl
    source_uri: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class SkillItem(Base):
    """A skill (or competency, knowledge, occupation...) of a framework. ``data`` is the
    source object exactly as imported (CFItem, RSD, ceasn:Competency)."""

    __tablename__ = "skill_items"
    __table_args__ = (UniqueConstraint("framework_id", "uri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("skill_frameworks.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    uri: Mapped[str] = mapped_column(String(500), index=True)
    code: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text)
    alt_labels: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(64))
    broader: Mapped[list[Any]] = mapped_column(JSON_TYPE, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)


class SkillRelation(Base):
    """A typed relation inside a framework (CFAssociation, occupation-skill, broader...)."""

    __tablename__ = "skill_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("skill_frameworks.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    source_uri: Mapped[str] = mapped_column(String(500))
    target_uri: Mapped[str] = mapped_column(String(500))
    relation: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON_TYPE, default=dict)


class SkillCrosswalk(Base):
    """A suggested, confirmed or rejected mapping between two skills of two frameworks,
    owned by the organization that asked for it (decisions are audited)."""

    __tablename__ = "skill_crosswalks"
    __table_args__ = (UniqueConstraint("organization_id", "source_uri", "target_uri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    source_framework: Mapped[str] = mapped_column(String(64))
    source_uri: Mapped[str] = mapped_column(String(500))
    target_framework: Mapped[str] = mapped_column(String(64))
    target_uri: Mapped[str] = mapped_column(String(500))
    relation: Mapped[str] = mapped_column(String(32))  # exactMatch | closeMatch | ...
    confidence: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="suggested")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTC_DATETIME)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)


class SkillEmbedding(Base):
    """A skill's sentence embedding (float32 little-endian), computed once per model."""

    __tablename__ = "skill_embeddings"
    __table_args__ = (UniqueConstraint("uri", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(String(500))
    model: Mapped[str] = mapped_column(String(100))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTC_DATETIME)
