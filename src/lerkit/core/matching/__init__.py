"""Matching people and opportunities on skills (issue 8): pure, no I/O.

``model``: what the scorer sees (``CandidateVector``, ``JobVector``: skill URIs, levels,
evidence; by construction nothing else about a person), ``scoring``: the one scoring rule
and its explanations, ``index``: the in-memory inverted index that ranks many candidates
with the same rule, ``gap``: skill gaps, learning recommendations, career pathways.
"""

from lerkit.core.matching.model import (
    ENGINE_VERSION,
    EVIDENCE_WEIGHTS,
    CandidateVector,
    Evidence,
    EvidenceKind,
    JobVector,
    Requirement,
    SkillClaim,
    Weights,
    merge_claims,
)
from lerkit.core.matching.scoring import Match, RequirementOutcome, rank_brute_force, score

__all__ = [
    "ENGINE_VERSION",
    "EVIDENCE_WEIGHTS",
    "CandidateVector",
    "Evidence",
    "EvidenceKind",
    "JobVector",
    "Match",
    "Requirement",
    "RequirementOutcome",
    "SkillClaim",
    "Weights",
    "merge_claims",
    "rank_brute_force",
    "score",
]
