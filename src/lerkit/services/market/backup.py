"""The marketplace's part of the wallet backup (registered by ``bootstrap.market``).

What is backed up: the holder's talent profile — its settings (the wallet credentials
chosen, visibility, organizations, workforce employers, self-asserted skills, about,
headline), its status and dates, and the id of its consent record. The derived skills are
not: they are rebuilt from the restored credentials on restore (evidence is re-read, so a
credential revoked since gives none), and the profile is re-indexed (its ``updated_at``
moves to the restore time, which the index's next sync picks up).

An active profile comes back active when its ``talent_profile`` consent came back active
(the core part restores the ledger first; the consent's reference follows the profile if
its id had to change); when the consent is missing from the archive, a new ongoing consent
is recorded, as at opt-in. A withdrawn profile comes back withdrawn. A holder who already
has a profile keeps it: nothing is overwritten.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.db.models_market import CandidateProfile
from lerkit.db.models_wallet import ConsentRecord
from lerkit.services.wallet.backup import BackupPart, RestoreContext

if TYPE_CHECKING:
    from lerkit.services.market.service import MarketService

NAME = "market"
COUNTS = ("talentProfile",)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: Any, default: datetime | None) -> datetime | None:
    if not isinstance(value, str):
        return default
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("a date of the market area is malformed") from exc


def _text(value: Any, size: int) -> str:
    return (value if isinstance(value, str) else "").replace("\x00", "")[:size]


def _strings(value: Any, size: int, limit: int) -> list[str]:
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(_text(v, size) for v in value[:limit] if isinstance(v, str) and v))


def export(session: Session, holder_id: int) -> dict[str, Any]:
    """The holder's talent profile (settings, status, consent id), or ``None``."""
    row = session.scalar(select(CandidateProfile).where(CandidateProfile.holder_id == holder_id))
    if row is None:
        return {"profile": None}
    return {
        "profile": {
            "publicId": row.public_id,
            "status": row.status,
            "visibility": row.visibility,
            "organizations": list(row.organizations or []),
            "workforce": list(row.workforce or []),
            "credentials": list(row.credentials or []),
            "selfAsserted": list(row.self_asserted or []),
            "about": row.about,
            "headline": row.headline,
            "consentId": row.consent_id,
            "createdAt": _when(row.created_at),
            "updatedAt": _when(row.updated_at),
            "withdrawnAt": _when(row.withdrawn_at),
        }
    }


def restore(
    session: Session, data: Any, context: RestoreContext, market: MarketService
) -> dict[str, int]:
    """Put back what :func:`export` gave (once: a holder with a profile keeps it)."""
    if not isinstance(data, dict):
        raise ValueError("the market area of the backup is malformed")
    item = data.get("profile")
    counts = dict.fromkeys(COUNTS, 0)
    if item is None:
        return counts
    if not isinstance(item, dict):
        raise ValueError("the talent profile of the backup is malformed")
    holder_id, now = context.holder_id, context.now
    if session.scalar(select(CandidateProfile.id).where(CandidateProfile.holder_id == holder_id)):
        return counts
    credentials = []
    for old in _strings(item.get("credentials"), 64, 500):
        row = context.credential(old)
        if row is not None and row.public_id not in credentials:
            credentials.append(row.public_id)
    asserted = []
    raw = item.get("selfAsserted")
    for entry in raw[:100] if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not _text(entry.get("label"), 300).strip():
            continue
        level = entry.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            level = None
        asserted.append({"label": _text(entry["label"], 300).strip(), "level": level})
    wanted = item.get("publicId")
    public_id = context.free(session, CandidateProfile, wanted)
    visibility = item.get("visibility") if item.get("visibility") in ("all", "selected") else "all"
    profile = CandidateProfile(
        holder_id=holder_id,
        public_id=public_id,
        status="active" if item.get("status") == "active" else "withdrawn",
        visibility=visibility,
        organizations=_strings(item.get("organizations"), 64, 100),
        workforce=_strings(item.get("workforce"), 64, 100),
        credentials=credentials,
        self_asserted=asserted,
        about=_text(item.get("about"), 5000),
        headline=_text(item.get("headline"), 200),
        skills=[],
        excluded=[],
        consent_id=None,
        created_at=_parse(item.get("createdAt"), now) or now,
        updated_at=now,  # re-indexed: the index re-reads profiles changed since its last look
        withdrawn_at=_parse(item.get("withdrawnAt"), None),
    )
    session.add(profile)
    market._rebuild(session, profile)
    session.flush()
    consent = None
    if item.get("consentId"):
        consent = session.scalar(
            select(ConsentRecord).where(
                ConsentRecord.holder_id == holder_id,
                ConsentRecord.public_id == context.consent_id(item.get("consentId")),
            )
        )
    if consent is not None:
        profile.consent_id = consent.public_id
        consent.reference = public_id  # the profile's id may have changed
        if consent.withdrawn_at is not None and profile.status == "active":
            profile.status = "withdrawn"
            profile.withdrawn_at = consent.withdrawn_at
    elif profile.status == "active":
        market._record_consent(session, profile)
    if profile.status == "active":
        profile.withdrawn_at = None
    elif profile.withdrawn_at is None:
        profile.withdrawn_at = now
    session.flush()
    counts["talentProfile"] = 1
    return counts


def part(market: MarketService) -> BackupPart:
    """The :class:`BackupPart` to register with ``services.wallet.backups``."""
    return BackupPart(
        name=NAME,
        export=export,
        restore=lambda session, data, context: restore(session, data, context, market),
        counts=COUNTS,
    )
