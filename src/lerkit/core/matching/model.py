"""What the scorer sees.

Fairness by construction: a ``CandidateVector`` holds an opaque id and skills (URI, level,
evidence) and NOTHING else — no name, age, gender, ethnicity, disability, photo, address.
The scorer cannot use what its input type cannot carry; ``tests/unit/test_matching_fairness``
checks that the types keep it so.

Evidence strength, strongest first (``EVIDENCE_WEIGHTS``): a verified credential from an
issuer a trust registry recognises > a verified credential > an endorsement > a skill the
person asserts > a skill inferred from free text.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ENGINE_VERSION = "lerkit-match/1"

EvidenceKind = Literal[
    "trusted_credential", "verified_credential", "endorsement", "self_asserted", "inferred"
]
EVIDENCE_WEIGHTS: Mapping[str, float] = {
    "trusted_credential": 1.0,
    "verified_credential": 0.8,
    "endorsement": 0.6,
    "self_asserted": 0.4,
    "inferred": 0.2,
}
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = (
    "trusted_credential",
    "verified_credential",
    "endorsement",
    "self_asserted",
    "inferred",
)
LABEL_URI_PREFIX = "urn:lerkit:label:"
"""Skills no framework knows are keyed ``urn:lerkit:label:<folded label>``: they match the
same words only (similarity 0 to anything else)."""

MAX_LEVEL = 5  # levels are 1 (basic) .. 5 (expert); None: not stated


def label_key(label: str) -> str:
    """The key of a skill no framework knows: its words, case- and space-folded."""
    return LABEL_URI_PREFIX + " ".join(label.casefold().split())


@dataclass(frozen=True)
class Evidence:
    """Why a profile claims a skill: one credential (by its wallet id), endorsement,
    assertion or text."""

    kind: EvidenceKind
    source: str = ""  # the wallet credential's public id ("" for self-asserted / inferred)
    label: str = ""  # the skill as the source wrote it (alignment targetName, a phrase)
    title: str = ""  # the credential's name
    issuer: str = ""  # the issuer's id (DID / URL)

    @property
    def weight(self) -> float:
        return EVIDENCE_WEIGHTS[self.kind]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "weight": self.weight}
        for name in ("source", "label", "title", "issuer"):
            value = getattr(self, name)
            if value:
                out["credential" if name == "source" else name] = value
        return out


@dataclass(frozen=True)
class SkillClaim:
    """One skill of a candidate: its URI (or ``label_key``), the label, an optional level,
    and the evidence behind it (its strength is the strongest evidence's weight)."""

    uri: str
    label: str = ""
    level: int | None = None
    evidence: tuple[Evidence, ...] = field(default=())
    strength_override: float | None = None  # when no evidence objects are kept (bench, CLI)

    @property
    def strength(self) -> float:
        if self.strength_override is not None:
            return self.strength_override
        return max((e.weight for e in self.evidence), default=0.0)


@dataclass(frozen=True)
class CandidateVector:
    """The scorer's whole view of a candidate: an opaque id and skills (one claim per
    skill URI: see ``merge_claims``). Nothing else."""

    id: str
    skills: tuple[SkillClaim, ...]

    def __post_init__(self) -> None:
        if len({s.uri for s in self.skills}) != len(self.skills):
            raise ValueError("a candidate has one claim per skill: merge them (merge_claims)")


def merge_claims(claims: Iterable[SkillClaim]) -> tuple[SkillClaim, ...]:
    """One claim per skill URI: evidence pooled (strongest first), the highest level kept,
    the first label kept; in first-seen order."""
    merged: dict[str, SkillClaim] = {}
    for claim in claims:
        known = merged.get(claim.uri)
        if known is None:
            merged[claim.uri] = claim
            continue
        levels = [lv for lv in (known.level, claim.level) if lv is not None]
        evidence = tuple(
            sorted(
                dict.fromkeys(known.evidence + claim.evidence),
                key=lambda e: -e.weight,
            )
        )
        override = None
        if known.strength_override is not None or claim.strength_override is not None:
            override = max(known.strength, claim.strength)
        merged[claim.uri] = SkillClaim(
            claim.uri,
            known.label or claim.label,
            max(levels) if levels else None,
            evidence,
            override,
        )
    return tuple(merged.values())


@dataclass(frozen=True)
class Requirement:
    """One skill a job asks for: ``label`` as the employer wrote it, ``uri`` normalized
    (or ``label_key(label)``), an optional level, required or preferred."""

    uri: str
    label: str
    required: bool = True
    level: int | None = None
    skill_label: str = ""  # the framework's preferred label, when normalized


@dataclass(frozen=True)
class JobVector:
    id: str
    requirements: tuple[Requirement, ...]
    title: str = ""


@dataclass(frozen=True)
class Weights:
    """The knobs of the scoring rule (logged with every ranking)."""

    required: float = 2.0
    preferred: float = 1.0
    min_similarity: float = 0.6  # below this a skill does not count for a requirement
    unknown_level: float = 0.8  # level factor when a level is asked and the skill has none

    def to_json(self) -> dict[str, float]:
        return {
            "required": self.required,
            "preferred": self.preferred,
            "min_similarity": self.min_similarity,
            "unknown_level": self.unknown_level,
        }

    def check(self) -> None:
        for name, value in self.to_json().items():
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"weight {name} must be a finite number >= 0")
        if self.required + self.preferred <= 0:
            raise ValueError("required + preferred weight must be > 0")


def job_to_json(job: JobVector) -> dict[str, Any]:
    return {
        "id": job.id,
        "requirements": [
            {"uri": r.uri, "label": r.label, "required": r.required, "level": r.level}
            for r in job.requirements
        ],
    }


def candidate_to_json(candidate: CandidateVector) -> dict[str, Any]:
    return {
        "id": candidate.id,
        "skills": [
            {"uri": s.uri, "level": s.level, "strength": s.strength}
            for s in sorted(candidate.skills, key=lambda s: s.uri)
        ],
    }


def vectors_digest(jobs: Iterable[JobVector], candidates: Iterable[CandidateVector]) -> str:
    """SHA-256 (hex) of the skill vectors a ranking used (logged with the ranking)."""
    payload = {
        "jobs": [job_to_json(j) for j in jobs],
        "candidates": [candidate_to_json(c) for c in candidates],
    }
    data = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
