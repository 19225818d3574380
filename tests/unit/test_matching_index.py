"""The index ranks exactly as the brute-force scorer (hypothesis), and updates in place."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lerkit.core.matching import (
    CandidateVector,
    Evidence,
    JobVector,
    Requirement,
    SkillClaim,
    Weights,
)
from lerkit.core.matching.index import CandidateIndex
from lerkit.core.matching.scoring import rank_brute_force, score

KEYS = [f"s{i}" for i in range(8)]
KINDS = ["trusted_credential", "verified_credential", "endorsement", "self_asserted", "inferred"]


def sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    x, y = sorted((int(a[1:]), int(b[1:])))
    return {0: 1.0, 1: 0.8, 2: 0.6}.get(y - x, 0.3)


def neighbours_of(index: CandidateIndex, weights: Weights):  # type: ignore[no-untyped-def]
    def neighbours(uri: str) -> list[tuple[str, float]]:
        out = [(k, 1.0 if k == uri else sim(uri, k)) for k in index.vocabulary()]
        return [(k, s) for k, s in out if s >= weights.min_similarity]

    return neighbours


skill = st.builds(
    SkillClaim,
    uri=st.sampled_from(KEYS),
    level=st.one_of(st.none(), st.integers(1, 5)),
    evidence=st.lists(st.builds(Evidence, kind=st.sampled_from(KINDS)), min_size=1, max_size=2).map(
        tuple
    ),
)
candidates = st.lists(
    st.lists(skill, max_size=5, unique_by=lambda s: s.uri).map(tuple), min_size=1, max_size=25
).map(lambda lists: [CandidateVector(f"c{i:02d}", skills) for i, skills in enumerate(lists)])
requirement = st.builds(
    Requirement,
    uri=st.sampled_from(KEYS),
    label=st.just("x"),
    required=st.booleans(),
    level=st.one_of(st.none(), st.integers(1, 5)),
)
jobs = st.lists(requirement, min_size=1, max_size=5).map(lambda rs: JobVector("j", tuple(rs)))
weights = st.builds(
    Weights,
    required=st.sampled_from([1.0, 2.0, 3.0]),
    preferred=st.sampled_from([0.5, 1.0]),
    min_similarity=st.sampled_from([0.5, 0.6, 0.8]),
)


@settings(max_examples=200, deadline=None)
@given(candidates, jobs, weights, st.integers(1, 30), st.lists(st.integers(0, 24), max_size=6))
def test_index_ranks_as_brute_force(
    people: list[CandidateVector], job: JobVector, w: Weights, k: int, removed: list[int]
) -> None:
    index = CandidateIndex()
    half = len(people) // 2
    index.add_bulk(people[:half])
    for person in people[half:]:
        index.add(person)
    gone = {f"c{i:02d}" for i in removed}
    for cid in gone:
        index.remove(cid)
    kept = [p for p in people if p.id not in gone]
    expected = [(m.candidate_id, m.score) for m in rank_brute_force(job, kept, sim, w, k)]
    got = [(r.candidate_id, r.score) for r in index.rank(job, neighbours_of(index, w), w, k)]
    assert got == expected


def test_update_replaces_and_remove_takes_out_at_once() -> None:
    w = Weights()
    index = CandidateIndex()
    job = JobVector("j", (Requirement("s0", "zero"), Requirement("s5", "five", required=False)))
    strong = (Evidence("trusted_credential", "wc1"),)
    index.add(CandidateVector("a", (SkillClaim("s0", evidence=strong),)))
    index.add(CandidateVector("b", (SkillClaim("s5", evidence=strong),)))
    first = index.rank(job, neighbours_of(index, w), w)
    assert [r.candidate_id for r in first] == ["a", "b"]
    index.add(
        CandidateVector("b", (SkillClaim("s0", evidence=strong), SkillClaim("s5", evidence=strong)))
    )
    assert [r.candidate_id for r in index.rank(job, neighbours_of(index, w), w)] == ["b", "a"]
    assert len(index) == 2
    assert index.remove("b") is True
    assert [r.candidate_id for r in index.rank(job, neighbours_of(index, w), w)] == ["a"]
    assert index.remove("b") is False


def test_compaction_keeps_rankings() -> None:
    w = Weights()
    index = CandidateIndex()
    people = [
        CandidateVector(
            f"c{i:05d}", (SkillClaim(KEYS[i % 8], evidence=(Evidence("self_asserted"),)),)
        )
        for i in range(3000)
    ]
    index.add_bulk(people)
    for p in people[:2000]:
        index.remove(p.id)
    job = JobVector("j", (Requirement("s3", "three"),))
    got = [(r.candidate_id, r.score) for r in index.rank(job, neighbours_of(index, w), w, 50)]
    expected = [(m.candidate_id, m.score) for m in rank_brute_force(job, people[2000:], sim, w, 50)]
    assert got == expected
    assert len(index) == 1000


def test_score_explains_met_and_missing() -> None:
    job = JobVector(
        "j",
        (
            Requirement("s0", "Zero as written", level=4),
            Requirement("s9", "Seven", required=False),
            Requirement("s4", "Four"),
        ),
    )
    person = CandidateVector(
        "p",
        (
            SkillClaim(
                "s0",
                "zero",
                2,
                (Evidence("verified_credential", "wc-1", "zero", "Badge Zero", "did:web:x"),),
            ),
            SkillClaim("s5", "five", None, (Evidence("inferred"),)),
        ),
    )
    match = score(job, person, sim)
    explanation = match.explanation()
    met = {m["requirement"]: m for m in explanation["met"]}
    assert met["Zero as written"]["matchedBy"]["evidence"][0]["credential"] == "wc-1"
    assert met["Zero as written"]["value"] == 0.4  # 1.0 * 0.8 * (2 / 4)
    assert met["Four"]["matchedBy"]["skill"] == "s5"  # close: similarity 0.8
    assert [m["requirement"] for m in explanation["missing"]] == ["Seven"]
    assert match.missing_required == []
    assert 0 < match.score < 1


@settings(max_examples=50, deadline=None)
@given(candidates, jobs, weights)
def test_csr_load_ranks_as_objects(
    people: list[CandidateVector], job: JobVector, w: Weights
) -> None:
    import numpy as np

    vocabulary = KEYS
    indptr, keys, strengths, levels = [0], [], [], []
    for person in people:
        for s in person.skills:
            keys.append(vocabulary.index(s.uri))
            strengths.append(s.strength)
            levels.append(np.nan if s.level is None else float(s.level))
        indptr.append(len(keys))
    index = CandidateIndex()
    index.add_csr(
        [p.id for p in people],
        np.asarray(indptr, dtype=np.int64),
        np.asarray(keys, dtype=np.int64),
        vocabulary,
        np.asarray(strengths, dtype=np.float64),
        np.asarray(levels, dtype=np.float64),
    )
    expected = [(m.candidate_id, m.score) for m in rank_brute_force(job, people, sim, w, 30)]
    got = [(r.candidate_id, r.score) for r in index.rank(job, neighbours_of(index, w), w, 30)]
    assert got == expected
