"""Fairness by construction: the scorer's input types carry skills only. No protected
attribute (age, gender, ethnicity, disability, photo, name) can reach the score; profiles
that differ only in such attributes score identically (also through the service's profile
builder, which drops everything but skills)."""

from __future__ import annotations

import dataclasses

from lerkit.core.matching import (
    CandidateVector,
    Evidence,
    JobVector,
    Requirement,
    SkillClaim,
    score,
)
from lerkit.core.matching.index import CandidateIndex
from lerkit.core.matching.model import Weights
from market_support import TinyTaxonomy, uri

PROTECTED = (
    "age",
    "gender",
    "sex",
    "ethnicity",
    "race",
    "disability",
    "photo",
    "name",
    "birth",
    "nationality",
)


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_scorer_input_types_have_no_protected_fields() -> None:
    assert _fields(CandidateVector) == {"id", "skills"}
    assert _fields(SkillClaim) == {"uri", "label", "level", "evidence", "strength_override"}
    for cls in (CandidateVector, SkillClaim, Evidence, JobVector, Requirement):
        for name in _fields(cls):
            assert not any(word in name.lower() for word in PROTECTED), (cls, name)


def test_profiles_differing_only_in_protected_attributes_score_the_same() -> None:
    taxonomy = TinyTaxonomy()
    people = [
        {"name": "Ada Lovelace", "age": 36, "gender": "female", "ethnicity": "a", "photo": "x.png"},
        {"name": "Bob Smith", "age": 62, "gender": "male", "ethnicity": "b", "disability": "yes"},
        {"name": "Chen Wei", "age": 19, "gender": "non-binary", "photo": None},
    ]
    skills = ["python", "sql queries", "statistical analysis"]
    job = JobVector(
        "j",
        (Requirement(uri("python"), "Python"), Requirement(uri("ml"), "ML", required=False)),
    )

    def vector(i: int, person: dict[str, object]) -> CandidateVector:
        # what a profile builder may pass on: only skills (the person dict is dropped)
        del person
        claims = tuple(
            SkillClaim(m.skill.uri, label, None, (Evidence("verified_credential", "wc"),))
            for label in skills
            for m in taxonomy.normalize(label)[:1]
        )
        return CandidateVector(f"p{i}", claims)

    vectors = [vector(i, p) for i, p in enumerate(people)]
    scores = {score(job, v, taxonomy.similarity).score for v in vectors}
    assert len(scores) == 1
    assert scores.pop() > 0
    index = CandidateIndex()
    index.add_bulk(vectors)
    w = Weights()
    ranked = index.rank(
        job,
        lambda u: [
            (k, taxonomy.similarity(u, k))
            for k in index.vocabulary()
            if taxonomy.similarity(u, k) >= w.min_similarity
        ],
        w,
        10,
    )
    assert len({r.score for r in ranked}) == 1
    assert [r.candidate_id for r in ranked] == ["p0", "p1", "p2"]  # ties by opaque id only
