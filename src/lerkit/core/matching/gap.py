"""Guidance: skill gaps, learning recommendations that close them, career pathways.

All three use the scoring rule of :mod:`lerkit.core.matching.scoring`: a requirement is in
the gap when no skill of the profile meets it (similarity below the threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lerkit.core.matching.model import CandidateVector, JobVector, Requirement, Weights
from lerkit.core.matching.scoring import Match, Similarity, closeness, score


@dataclass(frozen=True)
class Gap:
    target: JobVector
    match: Match

    @property
    def missing(self) -> list[Requirement]:
        return self.match.missing

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.id,
            "title": self.target.title,
            "score": round(self.match.score, 6),
            "missing": [
                {"label": r.label, "skill": r.uri, "required": r.required, "level": r.level}
                for r in self.missing
            ],
            "met": [o.to_json() for o in self.match.outcomes if o.met],
        }


def gap(
    profile: CandidateVector, target: JobVector, sim: Similarity, weights: Weights | None = None
) -> Gap:
    return Gap(target, score(target, profile, sim, weights))


@dataclass(frozen=True)
class Offering:
    """Something one can earn (an achievement offered on the platform) and the skill URIs
    it is aligned to."""

    id: str
    title: str
    skills: tuple[str, ...]
    provider: str = ""


@dataclass(frozen=True)
class Recommendation:
    offering: Offering
    closes: tuple[Requirement, ...]  # missing requirements it covers
    share: float  # weighted share of the gap it closes, 0..1

    def to_json(self) -> dict[str, Any]:
        return {
            "achievement": self.offering.id,
            "title": self.offering.title,
            "provider": self.offering.provider,
            "closes": [
                {"label": r.label, "skill": r.uri, "required": r.required} for r in self.closes
            ],
            "share": round(self.share, 4),
        }


def recommend(
    missing: Sequence[Requirement],
    offerings: Sequence[Offering],
    sim: Similarity,
    weights: Weights | None = None,
    limit: int = 10,
) -> list[Recommendation]:
    """Offerings that close part of the gap, ranked by the weighted share they close
    (ties: more requirements closed, then title)."""
    weights = weights or Weights()
    total = sum(weights.required if r.required else weights.preferred for r in missing)
    if total <= 0:
        return []
    out = []
    for offering in offerings:
        closes = tuple(
            r
            for r in missing
            if any(
                closeness(sim, r.uri, s) >= max(weights.min_similarity, 1e-9)
                for s in offering.skills
            )
        )
        if closes:
            share = sum(weights.required if r.required else weights.preferred for r in closes)
            out.append(Recommendation(offering, closes, share / total))
    out.sort(key=lambda r: (-r.share, -len(r.closes), r.offering.title, r.offering.id))
    return out[:limit]


@dataclass(frozen=True)
class Pathway:
    occupation: JobVector
    relation: str  # "related" (an ESCO / O*NET relation) or "overlap" (shared skills)
    gap: Gap

    def to_json(self) -> dict[str, Any]:
        return {
            "occupation": self.occupation.id,
            "title": self.occupation.title,
            "relation": self.relation,
            "readiness": round(self.gap.match.score, 6),
            "missing": self.gap.to_json()["missing"],
        }


def pathways(
    profile: CandidateVector,
    occupations: Sequence[tuple[JobVector, str]],
    sim: Similarity,
    weights: Weights | None = None,
    limit: int = 10,
) -> list[Pathway]:
    """Occupations reachable from ``profile`` (``(occupation, relation)``), readiest first,
    each with its gap; occupations the profile does not touch at all are left out."""
    out = []
    for occupation, relation in occupations:
        g = gap(profile, occupation, sim, weights)
        if g.match.score > 0 or relation == "related":
            out.append(Pathway(occupation, relation, g))
    out.sort(key=lambda p: (-p.gap.match.score, p.occupation.title, p.occupation.id))
    return out[:limit]
