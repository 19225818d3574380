"""Share links: some of a holder's credentials, for one recipient, until an expiry the holder
sets; revocable; every view logged (time, page/json/pdf, a coarse client hint, never an IP).

The link ``{public_url}/s/{share_id}`` is a capability: ``share_id`` is 24 random bytes
(192 bits, base64url). Creating a share writes an ongoing ``share`` consent in the ledger in
the same unit of work; revoking the link withdraws that consent, and withdrawing the consent
revokes the link (the hook registered with :meth:`ConsentLedger.on_withdraw`).

The public side (:meth:`SharingService.open`) answers :class:`ShareGone` for an expired or
revoked link (the edge says 410 and shows no data) and records the view. Live verification of
the shared credentials is the edge's job at view time (``services.verifier()``), through
:meth:`SharingService.verify_live`.

Errors (``lerkit.services.errors``): NotFoundError (unknown share or credential, or another
holder's), ValidationError (bad recipient, expiry, credential list).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lerkit.core.multibase import b64url_encode
from lerkit.core.report import VerificationReport
from lerkit.db.models_sharing import Share, ShareItem, ShareView
from lerkit.db.models_wallet import ConsentRecord, WalletCredential
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import NotFoundError, ValidationError
from lerkit.services.verification import Verifier
from lerkit.services.wallet.consent import ConsentLedger

MAX_CREDENTIALS = 20
MAX_DAYS = 366
DEFAULT_DAYS = 30
_SHARE_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


class ShareGone(NotFoundError):
    """The link expired or was revoked: 410, and never the data."""

    status = 410

    def __init__(self, reason: str, lang: str) -> None:
        super().__init__(f"this share link has been {reason}")
        self.reason = reason  # "expired" | "revoked"
        self.lang = lang  # the language the holder chose for the page


@dataclass(frozen=True)
class SharedCredential:
    public_id: str
    format: str
    document: str
    summary: dict[str, Any]
    verdict_at_receipt: str
    credential_id: str | None = None

    @classmethod
    def of(cls, row: WalletCredential) -> SharedCredential:
        return cls(
            row.public_id,
            row.format,
            row.document,
            dict(row.summary or {}),
            row.verdict,
            row.credential_id,
        )

    def describe(self) -> dict[str, Any]:
        """Name, issuer name and id, achievement, description, validFrom and validUntil:
        from the wallet's summary, completed from the document itself."""
        return describe(self.summary, self.parsed())

    def parsed(self) -> dict[str, Any] | str:
        """The credential as JSON (ldp_vc, ob2) or as its compact string (JWT, SD-JWT), as
        it is given to others. An ecdsa-sd-2023 *base* credential is given derived, with
        every statement revealed: verifiers accept only derived proofs, and the base proof
        (with its HMAC key) stays with the holder."""
        text = self.document.strip()
        if text.startswith("{"):
            value = json.loads(text)
            if isinstance(value, dict):
                return _derived_whole(value)
        return text

    def given_document(self) -> str:
        """The document as given to others (the stored text, unless derived as above)."""
        value = self.parsed()
        if isinstance(value, dict) and "proof" in value:
            stored = json.loads(self.document)
            if value.get("proof") != stored.get("proof"):
                return json.dumps(value, ensure_ascii=False)
        return self.document


def _derived_whole(credential: dict[str, Any]) -> dict[str, Any]:
    """An ecdsa-sd-2023 base credential derived revealing everything; others unchanged."""
    from lerkit.core.errors import LerkitError
    from lerkit.core.suites import ecdsa_sd_2023

    try:
        ecdsa_sd_2023.find_base_proof(credential)
    except LerkitError:
        return credential
    try:
        everything = ecdsa_sd_2023.disclosable_pointers(credential)
        return ecdsa_sd_2023.derive(credential, everything)
    except LerkitError:  # a broken base proof: given as kept, it verifies as it does
        return credential


@dataclass(frozen=True)
class OpenShare:
    """What the public page shows: the share and its credentials (as stored)."""

    share: Share
    holder_name: str
    credentials: list[SharedCredential]


def client_hint(user_agent: str | None) -> str:
    """A coarse, privacy-respecting description of a client: browser family and OS family
    (``"Firefox on Linux"``), ``"software (curl)"`` for tools, ``"unknown"``. No version,
    no IP address, nothing that singles one person out."""
    ua = (user_agent or "").strip()
    if not ua:
        return "unknown"
    low = ua.lower()
    for tool in ("curl", "wget", "python", "httpx", "java", "go-http", "okhttp", "node", "axios"):
        if low.startswith(tool) or f" {tool}" in low:
            return f"software ({tool})"
    browser = "browser"
    for needle, name in (
        ("edg/", "Edge"),
        ("opr/", "Opera"),
        ("firefox/", "Firefox"),
        ("chrome/", "Chrome"),
        ("chromium/", "Chrome"),
        ("headlesschrome/", "Chrome"),
        ("safari/", "Safari"),
    ):
        if needle in low:
            browser = name
            break
    system = "unknown OS"
    for needle, name in (
        ("android", "Android"),
        ("iphone", "iOS"),
        ("ipad", "iOS"),
        ("windows", "Windows"),
        ("mac os", "macOS"),
        ("cros", "ChromeOS"),
        ("linux", "Linux"),
    ):
        if needle in low:
            system = name
            break
    if "bot" in low or "crawler" in low or "spider" in low:
        return f"bot ({system})"
    return f"{browser} on {system}"


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text[:limit] or None


def share_json(
    share: Share, public_url: str, credential_ids: list[str], views: int
) -> dict[str, Any]:
    return {
        "id": share.share_id,
        "url": f"{public_url}/s/{share.share_id}",
        "recipient": {
            "name": share.recipient_name,
            "email": share.recipient_email,
            "organization": share.recipient_organization,
        },
        "purpose": share.purpose,
        "message": share.message,
        "lang": share.lang,
        "credentials": credential_ids,
        "consent": share.consent_id,
        "createdAt": share.created_at.isoformat(),
        "expiresAt": share.expires_at.isoformat(),
        "revokedAt": share.revoked_at.isoformat() if share.revoked_at else None,
        "views": views,
    }


class SharingService:
    def __init__(
        self, ledger: ConsentLedger, clock: Clock, entropy: Entropy, public_url: str
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._entropy = entropy
        self.public_url = public_url.rstrip("/")
        ledger.on_withdraw("share", self._consent_withdrawn)

    # -- the holder's side
    def create(
        self,
        session: Session,
        holder_id: int,
        credential_ids: list[str],
        *,
        recipient_name: str,
        recipient_email: str | None = None,
        recipient_organization: str | None = None,
        purpose: str = "",
        message: str | None = None,
        expires_at: datetime | None = None,
        lang: str = "en",
    ) -> Share:
        name = _clean(recipient_name, 200)
        if not name:
            raise ValidationError(
                "say who the link is for", [{"field": "recipient.name", "message": "required"}]
            )
        email = _clean(recipient_email, 320)
        if email is not None and not _EMAIL.match(email):
            raise ValidationError(
                "the recipient's email is not an email address",
                [{"field": "recipient.email", "message": "not an email address"}],
            )
        ids = list(dict.fromkeys(credential_ids))
        if not ids or len(ids) > MAX_CREDENTIALS:
            raise ValidationError(
                f"share between 1 and {MAX_CREDENTIALS} credentials",
                [{"field": "credentials", "message": f"1 to {MAX_CREDENTIALS} credential ids"}],
            )
        now = self._clock()
        expiry = expires_at or now + timedelta(days=DEFAULT_DAYS)
        if expiry.tzinfo is None:
            raise ValidationError(
                "the expiry needs a time zone (e.g. 2027-01-31T00:00:00Z)",
                [{"field": "expiresAt", "message": "a date-time with a time zone"}],
            )
        if expiry <= now or expiry > now + timedelta(days=MAX_DAYS):
            raise ValidationError(
                f"the link's expiry must be in the future and within {MAX_DAYS} days",
                [{"field": "expiresAt", "message": f"in the next {MAX_DAYS} days"}],
            )
        rows = self._credentials(session, holder_id, ids)
        share_id = b64url_encode(self._entropy(24))
        recipient = ", ".join(
            p for p in (name, recipient_organization and recipient_organization.strip(), email) if p
        )
        consent = self._ledger.record(
            session,
            holder_id,
            kind="share",
            recipient=recipient,
            purpose=_clean(purpose, 500) or "share link",
            disclosed=[{"credential": row.public_id, "fields": ["*"]} for row in rows],
            reference=share_id,
            ongoing=True,
        )
        share = Share(
            holder_id=holder_id,
            share_id=share_id,
            recipient_name=name,
            recipient_email=email,
            recipient_organization=_clean(recipient_organization, 200),
            purpose=_clean(purpose, 500) or "",
            message=_clean(message, 2000),
            lang=lang if lang in ("en", "fr") else "en",
            consent_id=consent.public_id,
            created_at=now,
            expires_at=expiry,
        )
        session.add(share)
        session.flush()
        for position, row in enumerate(rows):
            session.add(
                ShareItem(
                    share_pk=share.id, holder_id=holder_id, credential_pk=row.id, position=position
                )
            )
        session.flush()
        return share

    def _credentials(
        self, session: Session, holder_id: int, public_ids: list[str]
    ) -> list[WalletCredential]:
        found = {
            row.public_id: row
            for row in session.scalars(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder_id,
                    WalletCredential.public_id.in_(public_ids),
                )
            )
        }
        missing = [p for p in public_ids if p not in found]
        if missing:
            raise NotFoundError(f"no such credential in this wallet: {missing[0]}")
        return [found[p] for p in public_ids]

    def for_holder(self, session: Session, holder_id: int) -> list[Share]:
        return list(
            session.scalars(
                select(Share)
                .where(Share.holder_id == holder_id)
                .order_by(Share.created_at.desc(), Share.id.desc())
            )
        )

    def get(self, session: Session, holder_id: int, share_id: str) -> Share:
        share = session.scalar(
            select(Share).where(Share.holder_id == holder_id, Share.share_id == share_id)
        )
        if share is None:
            raise NotFoundError("no such share link")
        return share

    def credential_ids(self, session: Session, share: Share) -> list[str]:
        return list(
            session.scalars(
                select(WalletCredential.public_id)
                .join(ShareItem, ShareItem.credential_pk == WalletCredential.id)
                .where(ShareItem.share_pk == share.id)
                .order_by(ShareItem.position)
            )
        )

    def shared_credential(self, session: Session, share: Share, public_id: str) -> SharedCredential:
        row = session.scalar(
            select(WalletCredential)
            .join(ShareItem, ShareItem.credential_pk == WalletCredential.id)
            .where(ShareItem.share_pk == share.id, WalletCredential.public_id == public_id)
        )
        if row is None:
            raise NotFoundError("this credential is not in this share")
        return SharedCredential.of(row)

    def view_count(self, session: Session, share: Share) -> int:
        return int(
            session.scalar(select(func.count(ShareView.id)).where(ShareView.share_pk == share.id))
            or 0
        )

    def views(self, session: Session, holder_id: int, share_id: str) -> list[ShareView]:
        share = self.get(session, holder_id, share_id)
        return list(
            session.scalars(
                select(ShareView)
                .where(ShareView.share_pk == share.id)
                .order_by(ShareView.viewed_at.desc(), ShareView.id.desc())
            )
        )

    def to_json(self, session: Session, share: Share) -> dict[str, Any]:
        return share_json(
            share,
            self.public_url,
            self.credential_ids(session, share),
            self.view_count(session, share),
        ) | {"state": self.state(share)}

    def state(self, share: Share) -> str:
        if share.revoked_at is not None:
            return "revoked"
        if share.expires_at <= self._clock():
            return "expired"
        return "active"

    def revoke(self, session: Session, holder_id: int, share_id: str) -> Share:
        """Revoke the link (idempotent) and withdraw its consent."""
        share = self.get(session, holder_id, share_id)
        if share.revoked_at is None:
            share.revoked_at = self._clock()
        self._ledger.withdraw_reference(session, holder_id, "share", share.share_id)
        return share

    def _consent_withdrawn(self, session: Session, record: ConsentRecord) -> None:
        if record.reference is None:
            return
        share = session.scalar(
            select(Share).where(
                Share.holder_id == record.holder_id, Share.share_id == record.reference
            )
        )
        if share is not None and share.revoked_at is None:
            share.revoked_at = self._clock()

    # -- the public side
    def open(
        self, session: Session, share_id: str, *, kind: str, user_agent: str | None
    ) -> OpenShare:
        """The share behind a link, recording the view; ShareGone (410) when it expired or was
        revoked (its consent withdrawn), NotFoundError for an unknown link."""
        if not _SHARE_ID.match(share_id):
            raise NotFoundError("no such share link")
        share = session.scalar(select(Share).where(Share.share_id == share_id))
        if share is None:
            raise NotFoundError("no such share link")
        state = self.state(share)
        if state == "active" and not self._ledger.is_active(session, "share", share.share_id):
            state = "revoked"
        if state != "active":
            raise ShareGone(state, share.lang)
        session.add(
            ShareView(
                share_pk=share.id,
                holder_id=share.holder_id,
                viewed_at=self._clock(),
                kind=kind[:16],
                client_hint=client_hint(user_agent)[:100],
            )
        )
        rows = session.execute(
            select(WalletCredential)
            .join(ShareItem, ShareItem.credential_pk == WalletCredential.id)
            .where(ShareItem.share_pk == share.id)
            .order_by(ShareItem.position)
        ).scalars()
        credentials = [SharedCredential.of(r) for r in rows]
        from lerkit.db.models_wallet import Holder

        holder = session.get(Holder, share.holder_id)
        return OpenShare(share, holder.display_name if holder else "", credentials)

    @staticmethod
    def verify_live(verifier: Verifier, credential: SharedCredential) -> VerificationReport | None:
        """Verify a shared credential now; None for formats verified elsewhere only
        (SD-JWT VC, OB 2.0), whose report at receipt the page shows instead."""
        if credential.format not in ("ldp_vc", "jwt_vc"):
            return None
        return verifier.verify_credential(credential.parsed())

    def linkedin_url(self, share: Share, credential: SharedCredential) -> str:
        """LinkedIn's documented "Add to Profile" link for a certification: name, issuing
        organization, issue (and expiry) month, the share link as certUrl, the credential's
        id as certId."""
        summary = credential.describe()
        params: dict[str, str] = {
            "startTask": "CERTIFICATION_NAME",
            "name": summary["name"][:200],
        }
        if summary["issuerName"]:
            params["organizationName"] = summary["issuerName"][:200]
        issued = _date(summary.get("validFrom"))
        if issued is not None:
            params["issueYear"] = str(issued.year)
            params["issueMonth"] = str(issued.month)
        expires = _date(summary.get("validUntil"))
        if expires is not None:
            params["expirationYear"] = str(expires.year)
            params["expirationMonth"] = str(expires.month)
        params["certUrl"] = f"{self.public_url}/s/{share.share_id}"
        params["certId"] = (credential.credential_id or credential.public_id)[:200]
        return f"{LINKEDIN_ADD}?{urlencode(params)}"


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("@value", "name", "en"):
            if isinstance(value.get(key), str):
                return str(value[key])
    if isinstance(value, list) and value:
        return _text(value[0])
    return ""


def describe(summary: dict[str, Any], document: dict[str, Any] | str) -> dict[str, Any]:
    """What a person needs to read about a credential, whatever the wallet's summary holds."""
    doc: dict[str, Any] = document if isinstance(document, dict) else {}
    if not doc and isinstance(document, str) and document.count(".") >= 2:
        doc = _jwt_payload(document)
    subject = doc.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    found = summary.get("issuer")
    issuer: dict[str, Any] = found if isinstance(found, dict) else {}
    doc_issuer = doc.get("issuer")
    issuer_id = str(
        issuer.get("id")
        or (doc_issuer.get("id") if isinstance(doc_issuer, dict) else doc_issuer)
        or ""
    )
    issuer_name = _text(issuer.get("name")) or (
        _text(doc_issuer.get("name")) if isinstance(doc_issuer, dict) else ""
    )
    name = (
        _text(summary.get("name"))
        or _text(summary.get("achievement"))
        or (_text(achievement.get("name")) if isinstance(achievement, dict) else "")
        or _text(doc.get("name"))
        or "Credential"
    )
    description = (
        _text(summary.get("description"))
        or (_text(achievement.get("description")) if isinstance(achievement, dict) else "")
        or _text(doc.get("description"))
    )
    return {
        "name": name,
        "description": description,
        "issuerId": issuer_id,
        "issuerName": issuer_name,
        "validFrom": summary.get("validFrom") or doc.get("validFrom") or doc.get("issuanceDate"),
        "validUntil": summary.get("validUntil")
        or doc.get("validUntil")
        or doc.get("expirationDate"),
        "id": doc.get("id"),
        "achievementType": achievement.get("achievementType")
        if isinstance(achievement, dict)
        else None,
    }


def _jwt_payload(token: str) -> dict[str, Any]:
    from lerkit.core.multibase import b64url_decode

    try:
        payload = json.loads(b64url_decode(token.split("~", 1)[0].split(".")[1]))
    except (ValueError, IndexError):
        return {}
    if not isinstance(payload, dict):
        return {}
    vc = payload.get("vc")
    return vc if isinstance(vc, dict) else payload
