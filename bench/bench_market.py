"""The marketplace's matching engine: scale and ranking quality (``make bench`` calls run()).

Scale: 1,000,000 synthetic candidate profiles (drawn from the bundled taxonomy's ESCO
occupations: each candidate keeps three quarters of an occupation's essential skills and a
quarter of its optional ones, plus two random skills, with random evidence strengths and
levels) are loaded into the in-memory index (``CandidateIndex.add_csr``, the bulk path);
then one job (an occupation: essential skills required, optional preferred) is ranked over
all of them, top 10, on ONE core (``os.sched_setaffinity``). Reported: the median, p90 and
max over the timed rankings with the requirements' neighbour lists warm (the service caches
them per skill as the index learns its skills), the cold time (first ranking of each job,
neighbour lists from the taxonomy's ``neighbours``: stem postings, crosswalks, one
matrix product over the vectors when enabled), memory (the index's
arrays, and the process's resident size before and after), and MET / NOT MET for 500 ms.

Quality: a smaller test set where candidates WRITE their skills as people do — a synonym
(alternative label), a typo (two letters swapped), capitals, the preferred label; some
skills dropped, two random others — ranked by the engine exactly as ``lerkit match`` does
(labels normalized once, index, similarity), against a plain label-overlap baseline
(case-folded exact labels shared with the job) in the same run. The job is the occupation
(its skills' preferred labels); the relevant candidates are those generated from it.
Reported: recall@10 and MRR.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CPU = 0
N_CANDIDATES = 1_000_000
TARGET_MS = 500.0
SEED = 20261129
QUALITY_OCCUPATIONS = 50
QUALITY_PER_OCCUPATION = 6
DROP = 0.4  # quality set: share of an occupation's skills a candidate leaves out
EVIDENCE = np.array([1.0, 0.8, 0.6, 0.4, 0.2])


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _occupations(taxonomy: Any) -> list[Any]:
    return [o for o in taxonomy.occupations if o.framework == "esco" and len(o.essential) >= 5]


def _job(occupation: Any, taxonomy: Any) -> Any:
    from lerkit.core.matching.model import JobVector, Requirement

    def label(uri: str) -> str:
        ref = taxonomy.get_skill(uri)
        return ref.label if ref is not None else uri

    reqs = [Requirement(u, label(u), True) for u in occupation.essential]
    reqs += [Requirement(u, label(u), False) for u in occupation.optional]
    return JobVector(occupation.uri, tuple(reqs), occupation.label)


def build_scale_index(taxonomy: Any, occupations: list[Any], rng: np.random.Generator) -> Any:
    """1M candidates as CSR arrays, loaded with ``add_csr``."""
    from lerkit.core.matching.index import CandidateIndex

    vocabulary = [s.uri for s in taxonomy.skills]
    position = {uri: i for i, uri in enumerate(vocabulary)}
    picks = rng.integers(0, len(occupations), N_CANDIDATES)
    order = np.argsort(picks, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(picks[order])) + 1)
    width = len(vocabulary)
    codes_parts: list[np.ndarray] = []
    for group in groups:  # one occupation at a time, vectorized over its candidates
        if len(group) == 0:
            continue
        occ = occupations[int(picks[group[0]])]
        for uris, keep in ((occ.essential, 0.75), (occ.optional, 0.25)):
            skills = np.array([position[u] for u in uris if u in position], dtype=np.int64)
            if len(skills) == 0:
                continue
            rows, cols = np.nonzero(rng.random((len(group), len(skills))) < keep)
            codes_parts.append(group[rows] * width + skills[cols])
        extra = rng.integers(0, width, (len(group), 2))  # two random skills each
        codes_parts.append((group[:, None] * width + extra).ravel())
    codes = np.concatenate(codes_parts)
    codes.sort()
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]  # one claim per skill
    slots, keys = codes // width, codes % width
    indptr = np.zeros(N_CANDIDATES + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(slots, minlength=N_CANDIDATES))
    strengths = EVIDENCE[rng.integers(0, len(EVIDENCE), len(keys))]
    levels = rng.integers(0, 6, len(keys)).astype(np.float64)
    levels[levels == 0] = np.nan
    index = CandidateIndex()
    ids = [f"c{i:07d}" for i in range(N_CANDIDATES)]
    index.add_csr(ids, indptr, keys, vocabulary, strengths, levels)
    return index


def scale(taxonomy: Any) -> None:
    from lerkit.core.matching.model import Weights
    from lerkit.services.market.resolver import SkillResolver

    rng = np.random.default_rng(SEED)
    occupations = _occupations(taxonomy)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    index = build_scale_index(taxonomy, occupations, rng)
    built = time.perf_counter() - t0
    rss1 = _rss_mb()
    resolver = SkillResolver(taxonomy, taxonomy)
    resolver.learn_keys(index.vocabulary())
    weights = Weights()

    def neighbours(uri: str) -> list[tuple[str, float]]:
        return resolver.neighbours(uri, weights.min_similarity)

    jobs = [_job(occupations[int(i)], taxonomy) for i in rng.integers(0, len(occupations), 7)]
    cold = []
    for job in jobs:
        t = time.perf_counter()
        index.rank(job, neighbours, weights, 10)
        cold.append((time.perf_counter() - t) * 1000)
    warm = []
    for _ in range(3):
        for job in jobs:
            t = time.perf_counter()
            top = index.rank(job, neighbours, weights, 10)
            warm.append((time.perf_counter() - t) * 1000)
    assert top, "the ranking found nobody"
    median = statistics.median(warm)
    reqs = statistics.mean(len(j.requirements) for j in jobs)
    print(
        f"  {len(index):,} candidate profiles, {len(index.vocabulary()):,} distinct skills, "
        f"built in {built:.1f} s (add_csr)"
    )
    print(
        f"  index arrays {index.memory_bytes() / 2**20:,.0f} MiB; process RSS "
        f"{rss0:,.0f} -> {rss1:,.0f} MiB (ids, arrays)"
    )
    print(f"  rank one job ({reqs:.1f} requirements on average), top 10, one core:")
    print(
        f"    warm  median {median:7.1f} ms   p90 {np.percentile(warm, 90):7.1f} ms   "
        f"max {max(warm):7.1f} ms   ({len(warm)} rankings, {len(jobs)} jobs)"
    )
    print(
        f"    cold  median {statistics.median(cold):7.1f} ms   (first ranking of a job: "
        "its neighbour lists from Taxonomy.neighbours)"
    )
    verdict = "MET" if median < TARGET_MS else "NOT MET"
    print(
        f"  target: 1,000,000 profiles ranked for one job in < {TARGET_MS:.0f} ms median "
        f"on one core: {verdict}"
    )


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 6:
        return word
    i = int(rng.integers(1, len(word) - 2))
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters


def quality(taxonomy: Any) -> None:
    from lerkit.services.market.batch import BatchEngine
    from lerkit.services.market.resolver import SkillResolver

    rng = np.random.default_rng(SEED + 1)
    occupations = _occupations(taxonomy)
    chosen = [
        occupations[int(i)]
        for i in rng.choice(len(occupations), QUALITY_OCCUPATIONS, replace=False)
    ]
    all_skills = taxonomy.skills
    candidate_lines: list[str] = []
    job_lines: list[str] = []
    truth: dict[str, set[str]] = {}
    import json

    for j, occ in enumerate(chosen):
        uris = [*occ.essential, *occ.optional]
        [taxonomy.get_skill(u).label for u in uris if taxonomy.get_skill(u)]
        job_lines.append(
            json.dumps(
                {
                    "id": f"j{j}",
                    "title": occ.label,
                    "required_skills": [
                        taxonomy.get_skill(u).label for u in occ.essential if taxonomy.get_skill(u)
                    ],
                    "preferred_skills": [
                        taxonomy.get_skill(u).label for u in occ.optional if taxonomy.get_skill(u)
                    ],
                }
            )
        )
        truth[f"j{j}"] = set()
        for c in range(QUALITY_PER_OCCUPATION):
            written = []
            for uri in uris:
                if rng.random() < DROP:
                    continue
                skill = taxonomy.skill(uri)
                if skill is None:
                    continue
                alt = (
                    skill.alt_labels[int(rng.integers(0, len(skill.alt_labels)))]
                    if skill.alt_labels
                    else skill.label
                )
                roll = rng.random()
                if roll < 0.45:
                    written.append(alt)  # a synonym
                elif roll < 0.75:
                    written.append(_typo(skill.label, rng))
                elif roll < 0.85:
                    written.append(_typo(alt, rng).upper())
                else:
                    written.append(skill.label)
            for k in rng.integers(0, len(all_skills), 2):
                written.append(all_skills[int(k)].label)
            cid = f"j{j}-c{c}"
            truth[f"j{j}"].add(cid)
            candidate_lines.append(json.dumps({"id": cid, "skills": written}))
    engine = BatchEngine(SkillResolver(taxonomy, taxonomy))
    t = time.perf_counter()
    engine.load_candidates(candidate_lines, "candidates")
    engine.load_jobs(job_lines, "jobs")
    loaded = time.perf_counter() - t
    t = time.perf_counter()
    ranked = {
        row["id"]: [m["id"] for m in row["matches"]] for row in engine.candidates_for_jobs(10)
    }
    ranking = time.perf_counter() - t

    # the baseline: plain label overlap (case-folded exact labels), in the same run
    cand_labels = {}
    for line in candidate_lines:
        row = json.loads(line)
        cand_labels[row["id"]] = {s.casefold().strip() for s in row["skills"]}
    baseline = {}
    for line in job_lines:
        row = json.loads(line)
        wanted = {s.casefold().strip() for s in row["required_skills"] + row["preferred_skills"]}
        scored = [
            (len(wanted & labels) / max(len(wanted), 1), cid) for cid, labels in cand_labels.items()
        ]
        scored = [s for s in scored if s[0] > 0]
        scored.sort(key=lambda s: (-s[0], s[1]))
        baseline[row["id"]] = [cid for _, cid in scored[:10]]

    def metrics(result: dict[str, list[str]]) -> tuple[float, float]:
        recalls, rr = [], []
        for job, relevant in truth.items():
            top = result.get(job, [])
            recalls.append(len(set(top[:10]) & relevant) / min(10, len(relevant)))
            first = next((i for i, cid in enumerate(top, 1) if cid in relevant), None)
            rr.append(1 / first if first else 0.0)
        return statistics.mean(recalls), statistics.mean(rr)

    r_engine, mrr_engine = metrics(ranked)
    r_base, mrr_base = metrics(baseline)
    print(
        f"  {len(candidate_lines):,} candidates written as people write (45% synonyms, 30% "
        f"typos, 10% capitalized typos of synonyms, {DROP:.0%} dropped, 2 random skills) "
        f"for {len(job_lines)} occupations; "
        f"labels normalized once each ({engine.resolver.normalize_calls:,} distinct) in "
        f"{loaded:.1f} s, ranked in {ranking:.1f} s"
    )
    print(f"    lerkit engine          recall@10 {r_engine:.3f}   MRR {mrr_engine:.3f}")
    print(f"    label-overlap baseline recall@10 {r_base:.3f}   MRR {mrr_base:.3f}")


def run() -> None:
    print("\n== marketplace: matching engine (bench/bench_market.py)")
    try:
        os.sched_setaffinity(0, {CPU})
        pinned = f"pinned to CPU {CPU}"
    except (AttributeError, OSError):
        pinned = "not pinned (no sched_setaffinity)"
    from lerkit.services.skills import default_taxonomy

    taxonomy = default_taxonomy()
    print(
        f"  {pinned}; taxonomy: {len(taxonomy.skills):,} skills, "
        f"{len(taxonomy.occupations):,} occupations (bundled ESCO + O*NET)"
    )
    print(" scale")
    scale(taxonomy)
    print(" ranking quality")
    quality(taxonomy)


if __name__ == "__main__":
    run()
