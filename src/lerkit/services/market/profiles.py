"""Candidate profiles from evidence: skills with their evidence and weight.

Evidence, strongest first: a credential that verified and whose issuer a trust registry
recognises > a credential that verified > an endorsement > a skill the holder asserts > a
skill inferred from the holder's text. A credential that does not verify (revoked,
suspended, tampered), or that has expired, gives no evidence: it is listed under
``excluded`` with the reason, and re-verification (``refresh``) drops what stopped holding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core.matching.model import (
    CandidateVector,
    Evidence,
    EvidenceKind,
    SkillClaim,
    merge_claims,
)
from lerkit.db.models_market import CandidateProfile
from lerkit.db.models_wallet import WalletCredential
from lerkit.services.market.resolver import SkillResolver

Recognised = Callable[[Session, str, list[str], str | None], bool]
"""``recognised(session, issuer, credential types, achievement id)``: does a trust registry
recognise this issuer for this credential?"""


@dataclass(frozen=True)
class BuiltSkills:
    skills: list[dict[str, Any]]  # stored on the profile
    excluded: list[dict[str, str]]  # credentials that gave no evidence, and why


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _types(summary: dict[str, Any]) -> list[str]:
    types = summary.get("types") or []
    return [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def _issuer_id(summary: dict[str, Any]) -> str:
    issuer = summary.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id") or "")
    return issuer if isinstance(issuer, str) else ""


def _achievement_id(summary: dict[str, Any]) -> str | None:
    achievement = summary.get("achievement")
    if isinstance(achievement, dict):
        value = achievement.get("id")
        return value if isinstance(value, str) else None
    return achievement if isinstance(achievement, str) else None


def credential_evidence(
    session: Session,
    row: WalletCredential,
    resolver: SkillResolver,
    recognised: Recognised | None,
    now: datetime,
) -> tuple[list[SkillClaim], str | None]:
    """The skills one wallet credential proves, or ``([], reason)`` when it proves none."""
    summary = row.summary or {}
    if row.verdict != "valid":
        return [], f"it does not verify ({row.verdict})"
    until = _parse_time(summary.get("validUntil"))
    if until is not None and until <= now:
        return [], "it has expired"
    types = _types(summary)
    kind: EvidenceKind = "verified_credential"
    if "EndorsementCredential" in types:
        kind = "endorsement"
    elif recognised is not None and recognised(
        session, _issuer_id(summary), types, _achievement_id(summary)
    ):
        kind = "trusted_credential"
    title = str(summary.get("name") or "")
    issuer = _issuer_id(summary)
    claims = []
    for alignment in summary.get("skills") or []:
        if not isinstance(alignment, dict):
            continue
        name = str(alignment.get("targetName") or "")
        url = str(alignment.get("targetUrl") or "")
        code = str(alignment.get("targetCode") or "")
        resolved = None
        for label in (url, code, name):
            if label:
                candidate = resolver.resolve(label)
                if candidate.known:
                    resolved = candidate
                    break
        if resolved is None:
            resolved = resolver.resolve(name or url)
        evidence = Evidence(kind, row.public_id, name or url, title, issuer)
        claims.append(
            SkillClaim(resolved.uri, resolved.skill_label or name or url, None, (evidence,))
        )
    return claims, None


def build_skills(
    session: Session,
    rows: Sequence[WalletCredential],
    self_asserted: Iterable[dict[str, Any]],
    about: str,
    resolver: SkillResolver,
    recognised: Recognised | None,
    now: datetime,
) -> BuiltSkills:
    claims: list[SkillClaim] = []
    excluded: list[dict[str, str]] = []
    for row in rows:
        found, reason = credential_evidence(session, row, resolver, recognised, now)
        if reason is not None:
            excluded.append({"credential": row.public_id, "reason": reason})
        claims.extend(found)
    for item in self_asserted:
        resolved = resolver.resolve(item["label"])
        claims.append(
            SkillClaim(
                resolved.uri,
                resolved.skill_label or item["label"],
                item.get("level"),
                (Evidence("self_asserted", "", item["label"]),),
            )
        )
    if about:
        for resolved in resolver.extract(about):
            claims.append(
                SkillClaim(
                    resolved.uri,
                    resolved.skill_label or resolved.label,
                    None,
                    (Evidence("inferred", "", resolved.label),),
                )
            )
    merged = merge_claims(claims)
    skills = [
        {
            "uri": c.uri,
            "label": c.label,
            "level": c.level,
            "weight": c.strength,
            "evidence": [e.to_json() for e in c.evidence],
        }
        for c in sorted(merged, key=lambda c: (-c.strength, c.label, c.uri))
    ]
    return BuiltSkills(skills, excluded)


def vector_of(public_id: str, skills: Sequence[dict[str, Any]]) -> CandidateVector:
    """A stored profile's skills -> the scorer's input (nothing but skills)."""
    claims = []
    for s in skills:
        evidence = tuple(
            Evidence(
                e["kind"],
                e.get("credential", ""),
                e.get("label", ""),
                e.get("title", ""),
                e.get("issuer", ""),
            )
            for e in s.get("evidence", [])
        )
        claims.append(SkillClaim(s["uri"], s.get("label", ""), s.get("level"), evidence))
    return CandidateVector(public_id, merge_claims(claims))


def holder_rows(
    session: Session, holder_id: int, public_ids: Sequence[str] | None = None
) -> list[WalletCredential]:
    query = select(WalletCredential).where(WalletCredential.holder_id == holder_id)
    if public_ids is not None:
        if not public_ids:
            return []
        query = query.where(WalletCredential.public_id.in_(list(public_ids)))
    return list(session.scalars(query.order_by(WalletCredential.id)))


def active_profile(session: Session, holder_id: int) -> CandidateProfile | None:
    row = session.scalar(select(CandidateProfile).where(CandidateProfile.holder_id == holder_id))
    return row if row is not None and row.status == "active" else None
