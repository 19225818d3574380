"""The one scoring rule, and the explanation of every match.

For a job with requirements ``r`` (weight ``W.required`` or ``W.preferred``) and a candidate
with skills ``s``::

    value(r, s) = sim(r, s) * strength(s) * level_factor(r, s)   (0 when sim < W.min_similarity)
    score       = sum_r weight(r) * max_s value(r, s)  /  sum_r weight(r)

``sim`` is 1.0 for the same skill URI, else the taxonomy's semantic closeness; ``strength``
is the strongest evidence's weight (trusted credential 1.0 ... inferred 0.2);
``level_factor`` is 1 when no level is asked, ``min(1, have / need)`` when both are known,
``W.unknown_level`` when the skill has no level. So the score (0..1) combines coverage of
required and preferred skills, levels, evidence strength and semantic closeness. The index
(``lerkit.core.matching.index``) computes exactly this, in the same order of operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lerkit.core.matching.model import (
    CandidateVector,
    JobVector,
    Requirement,
    SkillClaim,
    Weights,
)

Similarity = Callable[[str, str], float]


def requirement_weight(req: Requirement, weights: Weights) -> float:
    return weights.required if req.required else weights.preferred


def level_factor(need: int | None, have: int | None, weights: Weights) -> float:
    if need is None or need <= 0:
        return 1.0
    if have is None:
        return weights.unknown_level
    return min(1.0, have / need)


def closeness(sim: Similarity, a: str, b: str) -> float:
    return 1.0 if a == b else sim(a, b)


@dataclass(frozen=True)
class RequirementOutcome:
    """How one requirement fares: met by ``skill`` (with its evidence) or missing."""

    requirement: Requirement
    skill: SkillClaim | None
    similarity: float
    value: float  # 0..1: the requirement's share actually covered

    @property
    def met(self) -> bool:
        return self.skill is not None and self.value > 0

    def to_json(self) -> dict[str, Any]:
        req = self.requirement
        out: dict[str, Any] = {
            "requirement": req.label,
            "skill": req.uri,
            "required": req.required,
            "met": self.met,
        }
        if req.level is not None:
            out["level"] = req.level
        if self.skill is not None and self.met:
            out["matchedBy"] = {
                "skill": self.skill.uri,
                "label": self.skill.label,
                "level": self.skill.level,
                "similarity": round(self.similarity, 4),
                "strength": self.skill.strength,
                "evidence": [e.to_json() for e in self.skill.evidence],
            }
            out["value"] = round(self.value, 4)
        return out


@dataclass(frozen=True)
class Match:
    job_id: str
    candidate_id: str
    score: float
    outcomes: tuple[RequirementOutcome, ...]

    @property
    def missing(self) -> list[Requirement]:
        return [o.requirement for o in self.outcomes if not o.met]

    @property
    def missing_required(self) -> list[Requirement]:
        return [r for r in self.missing if r.required]

    def coverage(self, required: bool) -> float:
        reqs = [o for o in self.outcomes if o.requirement.required == required]
        if not reqs:
            return 1.0
        return sum(1 for o in reqs if o.met) / len(reqs)

    def explanation(self) -> dict[str, Any]:
        """Which requirement is met by which skill and evidence, and which are missing."""
        return {
            "score": round(self.score, 6),
            "requiredCoverage": round(self.coverage(True), 4),
            "preferredCoverage": round(self.coverage(False), 4),
            "met": [o.to_json() for o in self.outcomes if o.met],
            "missing": [o.to_json() for o in self.outcomes if not o.met],
        }


def best_for(
    req: Requirement, skills: Iterable[SkillClaim], sim: Similarity, weights: Weights
) -> RequirementOutcome:
    best: RequirementOutcome = RequirementOutcome(req, None, 0.0, 0.0)
    for skill in skills:
        s = closeness(sim, req.uri, skill.uri)
        if s < weights.min_similarity or s <= 0:
            continue
        value = s * skill.strength * level_factor(req.level, skill.level, weights)
        if value > best.value or (
            value == best.value and best.skill is not None and skill.uri < best.skill.uri
        ):
            best = RequirementOutcome(req, skill, s, value)
    return best


def score(
    job: JobVector, candidate: CandidateVector, sim: Similarity, weights: Weights | None = None
) -> Match:
    """Score ``candidate`` against ``job``, with the outcome of every requirement."""
    weights = weights or Weights()
    outcomes = tuple(best_for(r, candidate.skills, sim, weights) for r in job.requirements)
    total = 0.0
    wsum = 0.0
    for outcome in outcomes:
        w = requirement_weight(outcome.requirement, weights)
        total += w * outcome.value
        wsum += w
    return Match(job.id, candidate.id, total / wsum if wsum > 0 else 0.0, outcomes)


def rank_brute_force(
    job: JobVector,
    candidates: Sequence[CandidateVector],
    sim: Similarity,
    weights: Weights | None = None,
    k: int = 10,
) -> list[Match]:
    """The reference ranking: best first (ties by id); candidates scoring 0 are left out."""
    matches = [score(job, c, sim, weights) for c in candidates]
    matches = [m for m in matches if m.score > 0]
    matches.sort(key=lambda m: (-m.score, m.candidate_id))
    return matches[:k]


def rank_jobs(
    candidate: CandidateVector,
    jobs: Sequence[JobVector],
    sim: Similarity,
    weights: Weights | None = None,
    k: int = 10,
) -> list[Match]:
    """Jobs for a candidate, best first (ties by job id); jobs scoring 0 are left out."""
    matches = [score(j, candidate, sim, weights) for j in jobs]
    matches = [m for m in matches if m.score > 0]
    matches.sort(key=lambda m: (-m.score, m.job_id))
    return matches[:k]
