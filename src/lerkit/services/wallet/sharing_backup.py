"""The sharing area's part of the wallet backup (registered by ``bootstrap.sharing``).

What is backed up and restored: share links (recipient, purpose, message, language, expiry,
revocation, the credentials in their order, the view log), résumés (their inputs and the
LER-RS document exactly as composed) and the holder's OB 3.0 host profile.

What is NOT restored, by design: the OB 3.0 host API's OAuth authorization codes and
grants (access and refresh tokens). They are bearer secrets held by third-party issuers;
the archive never holds secrets that let someone else act on the wallet, and a grant made
to the deleted account must not come back to life in a new one. The consent records of
those grants are restored (they are the holder's history), and the issuer asks for a new
authorization. Clients registered with dynamic registration are not the holder's data.

A share link comes back under its own ``/s/{id}`` when that id is free (after the
account was deleted), so links already given to recipients work again — unless expired or
revoked, as they were. If the id is taken (the archive restored while the original account
still exists), the share gets a new id and its consent record's reference follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lerkit.core.multibase import b64url_encode
from lerkit.db.models_sharing import HolderProfile, Resume, Share, ShareItem, ShareView
from lerkit.db.models_wallet import ConsentRecord, WalletCredential
from lerkit.services.context import Entropy
from lerkit.services.wallet.backup import BackupPart, RestoreContext

NAME = "sharing"
COUNTS = ("shares", "resumes", "profile")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: Any, default: datetime | None) -> datetime | None:
    if not isinstance(value, str):
        return default
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("a date of the sharing area is malformed") from exc


def _text(value: Any, size: int) -> str:
    return str(value if value is not None else "")[:size]


def _optional(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def export(session: Session, holder_id: int) -> dict[str, Any]:
    """The holder's shares (with items and views), résumés and OB 3.0 profile."""
    credential_ids: dict[int, str] = {
        row.id: row.public_id
        for row in session.execute(
            select(WalletCredential.id, WalletCredential.public_id).where(
                WalletCredential.holder_id == holder_id
            )
        )
    }
    shares = []
    for share in session.scalars(
        select(Share).where(Share.holder_id == holder_id).order_by(Share.id)
    ):
        items = session.scalars(
            select(ShareItem)
            .where(ShareItem.share_pk == share.id)
            .order_by(ShareItem.position, ShareItem.id)
        )
        views = session.scalars(
            select(ShareView).where(ShareView.share_pk == share.id).order_by(ShareView.id)
        )
        shares.append(
            {
                "shareId": share.share_id,
                "recipientName": share.recipient_name,
                "recipientEmail": share.recipient_email,
                "recipientOrganization": share.recipient_organization,
                "purpose": share.purpose,
                "message": share.message,
                "lang": share.lang,
                "consentId": share.consent_id,
                "createdAt": _when(share.created_at),
                "expiresAt": _when(share.expires_at),
                "revokedAt": _when(share.revoked_at),
                "credentials": [
                    credential_ids[i.credential_pk]
                    for i in items
                    if i.credential_pk in credential_ids
                ],
                "views": [
                    {"viewedAt": _when(v.viewed_at), "kind": v.kind, "client": v.client_hint}
                    for v in views
                ],
            }
        )
    resumes = [
        {
            "publicId": r.public_id,
            "title": r.title,
            "inputs": r.inputs,
            "document": r.document,
            "createdAt": _when(r.created_at),
            "updatedAt": _when(r.updated_at),
        }
        for r in session.scalars(
            select(Resume).where(Resume.holder_id == holder_id).order_by(Resume.id)
        )
    ]
    profile = session.scalar(select(HolderProfile).where(HolderProfile.holder_id == holder_id))
    return {
        "shares": shares,
        "resumes": resumes,
        "profile": (
            {"profile": profile.profile, "updatedAt": _when(profile.updated_at)}
            if profile is not None
            else None
        ),
    }


def restore(
    session: Session, data: Any, context: RestoreContext, entropy: Entropy
) -> dict[str, int]:
    """Put back what :func:`export` gave; what is already there is skipped."""
    if not isinstance(data, dict):
        raise ValueError("the sharing area of the backup is malformed")
    holder_id, now = context.holder_id, context.now
    counts = dict.fromkeys(COUNTS, 0)
    for item in data.get("shares") or []:
        wanted = _text(item["shareId"], 64)
        owner = session.scalar(select(Share.holder_id).where(Share.share_id == wanted))
        consent_id = context.consent_id(item.get("consentId"))
        if owner == holder_id or session.scalar(  # restored before (under a new link id)
            select(Share.id).where(Share.holder_id == holder_id, Share.consent_id == consent_id)
        ):
            continue
        share_id = wanted
        if owner is not None or not wanted:
            share_id = b64url_encode(entropy(24))
            session.execute(
                update(ConsentRecord)
                .where(ConsentRecord.holder_id == holder_id, ConsentRecord.reference == wanted)
                .values(reference=share_id)
            )
        share = Share(
            holder_id=holder_id,
            share_id=share_id,
            recipient_name=_text(item.get("recipientName"), 200),
            recipient_email=_optional(item.get("recipientEmail"), 320),
            recipient_organization=_optional(item.get("recipientOrganization"), 200),
            purpose=_text(item.get("purpose"), 500),
            message=_optional(item.get("message"), 2000),
            lang=_text(item.get("lang") or "en", 8),
            consent_id=consent_id,
            created_at=_parse(item.get("createdAt"), now),
            expires_at=_parse(item.get("expiresAt"), now),
            revoked_at=_parse(item.get("revokedAt"), None),
        )
        session.add(share)
        session.flush()
        position = 0
        for old in item.get("credentials") or []:
            row = context.credential(old)
            if row is None:
                continue
            session.add(
                ShareItem(
                    share_pk=share.id, holder_id=holder_id, credential_pk=row.id, position=position
                )
            )
            position += 1
        for view in item.get("views") or []:
            session.add(
                ShareView(
                    share_pk=share.id,
                    holder_id=holder_id,
                    viewed_at=_parse(view.get("viewedAt"), now),
                    kind=_text(view.get("kind"), 16),
                    client_hint=_text(view.get("client"), 100),
                )
            )
        counts["shares"] += 1
    for item in data.get("resumes") or []:
        wanted = item.get("publicId")
        created = _parse(item.get("createdAt"), now)
        title = _text(item.get("title") or "Résumé", 200)
        if session.scalar(
            select(Resume.id).where(
                Resume.holder_id == holder_id,
                (Resume.public_id == str(wanted or ""))
                | ((Resume.title == title) & (Resume.created_at == created)),
            )
        ):
            continue
        inputs = dict(item.get("inputs") or {})
        if isinstance(inputs.get("credentials"), list):
            inputs["credentials"] = [
                row.public_id if (row := context.credential(c)) is not None else c
                for c in inputs["credentials"]
            ]
        session.add(
            Resume(
                holder_id=holder_id,
                public_id=context.free(session, Resume, wanted),
                title=title,
                inputs=inputs,
                document=dict(item.get("document") or {}),
                created_at=created,
                updated_at=_parse(item.get("updatedAt"), now),
            )
        )
        counts["resumes"] += 1
    profile = data.get("profile")
    if (
        isinstance(profile, dict)
        and isinstance(profile.get("profile"), dict)
        and (
            session.scalar(select(HolderProfile.id).where(HolderProfile.holder_id == holder_id))
            is None
        )
    ):
        session.add(
            HolderProfile(
                holder_id=holder_id,
                profile=profile["profile"],
                updated_at=_parse(profile.get("updatedAt"), now),
            )
        )
        counts["profile"] += 1
    return counts


def part(entropy: Entropy) -> BackupPart:
    """The :class:`BackupPart` to register with ``services.wallet.backups``."""
    return BackupPart(
        name=NAME,
        export=export,
        restore=lambda session, data, context: restore(session, data, context, entropy),
        counts=COUNTS,
    )
