"""Claim links: email ONE recipient a link to a page where they take their credential.

A claim link is made when a credential (``POST /api/v1/credentials``) or an offer
(``POST /api/v1/offers``) is issued with ``email: true``. Its token (32 random bytes) is in
the URL ``{public_url}/claim/{token}`` and stored only as a SHA-256 hash; the link expires
(``link_seconds``), can be revoked, and resending mints a new token (the old link stops
working). Each link holds an OpenID4VCI offer of its achievement (the one given, or one made
with the link) so the page can show the ``openid-credential-offer://`` link and QR code.

Email goes through a :class:`Mailer` (SMTP in production, :class:`InMemoryMailer` in
callers' tests): up to ``max_attempts`` attempts with exponential backoff for temporary
failures; a permanent refusal (SMTP 5xx) stops at once and records the delivery as
``bounced``. Each send is an :class:`~lerkit.db.models.EmailDelivery` row with its attempt
log and final state (sent, failed, bounced); a later bounce can be reported (``bounce``).

Errors (services layer): NotFoundError (unknown link, also another tenant's), ConflictError
(resending a revoked link), ValidationError, and :class:`ClaimGone` (410: the page of an
expired or revoked link), a NotFoundError subclass carrying ``reason`` and who to ask.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core.baking import bake_png
from lerkit.db.models import (
    Achievement,
    AchievementVersion,
    ClaimLink,
    EmailDelivery,
    IssuedCredential,
    Offer,
    Organization,
)
from lerkit.db.session import Database
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.oid4vci import MAX_OFFER_SECONDS, Oid4vciService, offer_uri_by_reference

LANGUAGES = ("en", "fr")
DEFAULT_LINK_SECONDS = MAX_OFFER_SECONDS  # the link lives as long as its offer can
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 0.5  # then 1 s, 2 s, ... between attempts
ISSUE_SCOPE = "credentials:issue"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ----------------------------------------------------------------------------- mail


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str


class MailError(Exception):
    """A message was not accepted. ``permanent``: the server refused it for good (5xx)."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


class Mailer(Protocol):
    def send(self, message: OutgoingEmail) -> str:
        """Hand ``message`` to the mail system; return its Message-ID. Raise MailError."""
        ...


@dataclass
class InMemoryMailer:
    """A Mailer that keeps what it is given (``sent``); ``failures`` are raised first, one
    per call (to exercise retries)."""

    sent: list[OutgoingEmail] = field(default_factory=list)
    failures: list[MailError] = field(default_factory=list)

    def send(self, message: OutgoingEmail) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"<{len(self.sent)}@in-memory>"


class EmailTemplates(Protocol):
    def claim_email(self, lang: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        """(subject, text body, HTML body) of the claim email in ``lang``."""
        ...


def plain_png(size: int = 256, rgb: tuple[int, int, int] = (37, 99, 235)) -> bytes:
    """A plain square PNG (the image baked when an achievement has none)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


# ----------------------------------------------------------------------------- views


class ClaimGone(NotFoundError):
    """The link exists but can no longer be used: ``reason`` is "expired" or "revoked"."""

    status = 410

    def __init__(self, reason: str, view: ClaimView) -> None:
        super().__init__(f"this claim link has been {reason}")
        self.reason = reason
        self.view = view


@dataclass(frozen=True)
class ClaimView:
    """What the claim page shows."""

    lang: str
    organization: str
    contact: str | None
    achievement_name: str
    achievement_description: str
    image: str | None
    offer_uri: str | None
    offer_qr_png: str | None
    offer_id: str | None
    has_credential: bool
    expires_at: datetime
    lcw_url: str | None = None  # Learner Credential Wallet deep link (a VC-API exchange)


@dataclass(frozen=True)
class ClaimRecord:
    public_id: str
    email: str
    lang: str
    credential_id: str | None
    offer_id: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    deliveries: list[dict[str, Any]]

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return self.deliveries[-1]["state"] if self.deliveries else "pending"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "email": self.email,
            "lang": self.lang,
            "credential": self.credential_id,
            "offer": self.offer_id,
            "state": self.state,
            "createdAt": self.created_at.isoformat(),
            "expiresAt": self.expires_at.isoformat(),
            "revokedAt": self.revoked_at.isoformat() if self.revoked_at else None,
            "deliveries": self.deliveries,
        }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ClaimService:
    def __init__(
        self,
        db: Database,
        *,
        oid4vci: Oid4vciService,
        mailer: Mailer | None,
        templates: EmailTemplates,
        audit: AuditLog,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        link_seconds: int = DEFAULT_LINK_SECONDS,
        default_image: bytes | None = None,
        lcw_link: Callable[[str], str | None] | None = None,
    ) -> None:
        self._lcw_link = lcw_link
        self._db = db
        self._oid4vci = oid4vci
        self._mailer = mailer
        self._templates = templates
        self._audit = audit
        self._clock = clock
        self._entropy = entropy
        self._public_url = public_url.rstrip("/")
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._link_seconds = link_seconds
        self.default_image = default_image or plain_png()

    def claim_url(self, token: str) -> str:
        return f"{self._public_url}/claim/{token}"

    def _token(self) -> str:
        return base64.urlsafe_b64encode(self._entropy(32)).rstrip(b"=").decode("ascii")

    @staticmethod
    def _check(email: str, lang: str) -> str:
        address = email.strip().lower() if isinstance(email, str) else ""
        if not _EMAIL.match(address) or len(address) > 320:
            raise ValidationError(
                "email delivery needs the recipient's email address",
                [{"field": "recipient", "message": "must be an email address to email it"}],
            )
        if lang not in LANGUAGES:
            raise ValidationError(
                f"lang must be one of {', '.join(LANGUAGES)}",
                [{"field": "lang", "message": f"one of {', '.join(LANGUAGES)}"}],
            )
        return address

    # ------------------------------------------------------------------ creating

    def create_for_credential(
        self, actor: Actor, credential_id: str, email: str, lang: str = "en"
    ) -> ClaimRecord:
        """A claim link for an issued credential (with an OpenID4VCI offer of its
        achievement), emailed to ``email``."""
        actor.require("issuer", ISSUE_SCOPE)
        address = self._check(email, lang)
        with self._db.session() as session:
            row = session.scalars(
                select(IssuedCredential).where(
                    IssuedCredential.credential_id == credential_id,
                    IssuedCredential.organization_id == actor.organization_id,
                )
            ).one_or_none()
            if row is None or row.achievement_version_id is None:
                raise NotFoundError(f"there is no achievement credential {credential_id!r}")
            version = session.get(AchievementVersion, row.achievement_version_id)
            assert version is not None
            achievement = session.get(Achievement, version.achievement_id)
            assert achievement is not None
            achievement_public_id, credential_pk = achievement.public_id, row.id
        offer = self._oid4vci.create_offer(
            actor, achievement_public_id, address, expires_in=min(self._link_seconds, 2592000)
        )
        return self._create(actor, address, lang, credential_pk, offer.public_id)

    def create_for_offer(
        self, actor: Actor, offer_id: str, email: str, lang: str = "en"
    ) -> ClaimRecord:
        """A claim link for an existing offer (the credential is issued when claimed)."""
        actor.require("issuer", ISSUE_SCOPE)
        address = self._check(email, lang)
        return self._create(actor, address, lang, None, offer_id)

    def _create(
        self, actor: Actor, email: str, lang: str, credential_pk: int | None, offer_id: str
    ) -> ClaimRecord:
        now = self._clock()
        token = self._token()
        public_id = self._token()[:32]
        with self._db.session() as session:
            offer = session.scalars(
                select(Offer).where(
                    Offer.public_id == offer_id, Offer.organization_id == actor.organization_id
                )
            ).one_or_none()
            if offer is None:
                raise NotFoundError(f"there is no offer {offer_id!r}")
            link = ClaimLink(
                organization_id=actor.organization_id,
                public_id=public_id,
                achievement_id=offer.achievement_id,
                credential_id=credential_pk,
                offer_id=offer.id,
                email=email,
                lang=lang,
                token_hash=_hash(token),
                created_by=actor.label[:200],
                created_at=now,
                expires_at=min(now + timedelta(seconds=self._link_seconds), offer.expires_at),
                revoked_at=None,
            )
            session.add(link)
            session.flush()
            self._audit.record(session, actor, "claim.created", "claim", public_id, {"lang": lang})
            session.commit()
            link_pk = link.id
        self._deliver(link_pk, token)
        return self.get(actor, public_id)

    # ------------------------------------------------------------------ delivering

    def _deliver(self, link_pk: int, token: str) -> None:
        """Email the link (bounded retries with backoff) and record how it went."""
        with self._db.session() as session:
            link = session.get(ClaimLink, link_pk)
            assert link is not None
            context = self._context(session, link)
            context["claim_url"] = self.claim_url(token)
            subject, text, html = self._templates.claim_email(link.lang, context)
            message = OutgoingEmail(to=link.email, subject=subject, text=text, html=html)
            now = self._clock()
            delivery = EmailDelivery(
                claim_link_id=link.id,
                state="pending",
                attempts=[],
                detail=None,
                created_at=now,
                updated_at=now,
            )
            session.add(delivery)
            session.commit()
            delivery_pk = delivery.id
        attempts: list[dict[str, Any]] = []
        state = "failed"
        detail: str | None = "no SMTP server is configured (LERKIT_SMTP_HOST)"
        if self._mailer is not None:
            for attempt in range(self._max_attempts):
                if attempt:
                    self._sleep(self._backoff * 2 ** (attempt - 1))
                at = self._clock().isoformat()
                try:
                    message_id = self._mailer.send(message)
                except MailError as exc:
                    outcome = "refused" if exc.permanent else "error"
                    attempts.append({"at": at, "outcome": outcome, "detail": exc.detail[:500]})
                    state, detail = ("bounced" if exc.permanent else "failed"), exc.detail[:500]
                    if exc.permanent:
                        break
                    continue
                attempts.append({"at": at, "outcome": "sent", "detail": message_id[:500]})
                state, detail = "sent", None
                break
        else:
            attempts.append({"at": self._clock().isoformat(), "outcome": "error", "detail": detail})
        with self._db.session() as session:
            done = session.get(EmailDelivery, delivery_pk)
            assert done is not None
            done.attempts = attempts
            done.state = state
            done.detail = detail
            done.updated_at = self._clock()
            session.commit()

    # ------------------------------------------------------------------ managing

    def _find(self, session: Session, actor: Actor, public_id: str) -> ClaimLink:
        link = session.scalars(
            select(ClaimLink).where(
                ClaimLink.public_id == public_id,
                ClaimLink.organization_id == actor.organization_id,
            )
        ).one_or_none()
        if link is None:
            raise NotFoundError(f"there is no claim link {public_id!r}")
        return link

    def _record(self, session: Session, link: ClaimLink) -> ClaimRecord:
        deliveries = session.scalars(
            select(EmailDelivery)
            .where(EmailDelivery.claim_link_id == link.id)
            .order_by(EmailDelivery.id)
        ).all()
        credential = session.get(IssuedCredential, link.credential_id or -1)
        offer = session.get(Offer, link.offer_id or -1)
        return ClaimRecord(
            public_id=link.public_id,
            email=link.email,
            lang=link.lang,
            credential_id=credential.credential_id if credential else None,
            offer_id=offer.public_id if offer else None,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            deliveries=[
                {
                    "state": d.state,
                    "attempts": list(d.attempts),
                    "detail": d.detail,
                    "createdAt": d.created_at.isoformat(),
                    "updatedAt": d.updated_at.isoformat(),
                }
                for d in deliveries
            ],
        )

    def get(self, actor: Actor, public_id: str) -> ClaimRecord:
        actor.require("viewer")
        with self._db.session() as session:
            return self._record(session, self._find(session, actor, public_id))

    def resend(self, actor: Actor, public_id: str) -> ClaimRecord:
        """Email the link again, with a new token and a new expiry (the old link stops
        working); a new offer replaces one that expired or was redeemed."""
        actor.require("issuer", ISSUE_SCOPE)
        now = self._clock()
        token = self._token()
        with self._db.session() as session:
            link = self._find(session, actor, public_id)
            if link.revoked_at is not None:
                raise ConflictError("this claim link was revoked: issue a new one instead")
            offer = session.get(Offer, link.offer_id or -1)
            achievement = session.get(Achievement, link.achievement_id)
            assert achievement is not None
            stale = offer is None or offer.redeemed_at is not None or offer.expires_at <= now
            achievement_public_id, email, link_pk = achievement.public_id, link.email, link.id
        new_offer: int | None = None
        if stale:
            created = self._oid4vci.create_offer(
                actor, achievement_public_id, email, expires_in=min(self._link_seconds, 2592000)
            )
            with self._db.session() as session:
                found = session.scalars(
                    select(Offer).where(Offer.public_id == created.public_id)
                ).one()
                new_offer = found.id
        with self._db.session() as session:
            renewed = session.get(ClaimLink, link_pk)
            assert renewed is not None
            link = renewed
            if new_offer is not None:
                link.offer_id = new_offer
            offer = session.get(Offer, link.offer_id or -1)
            expiry = now + timedelta(seconds=self._link_seconds)
            link.expires_at = min(expiry, offer.expires_at) if offer else expiry
            link.token_hash = _hash(token)
            self._audit.record(session, actor, "claim.resent", "claim", public_id, {})
            session.commit()
        self._deliver(link_pk, token)
        return self.get(actor, public_id)

    def revoke(self, actor: Actor, public_id: str) -> ClaimRecord:
        actor.require("issuer", ISSUE_SCOPE)
        with self._db.session() as session:
            link = self._find(session, actor, public_id)
            if link.revoked_at is None:
                link.revoked_at = self._clock()
                self._audit.record(session, actor, "claim.revoked", "claim", public_id, {})
                session.commit()
            return self._record(session, link)

    def bounce(self, actor: Actor, public_id: str, reason: str | None = None) -> ClaimRecord:
        """Record that the latest email of the link bounced (reported by the mail system)."""
        actor.require("issuer", ISSUE_SCOPE)
        with self._db.session() as session:
            link = self._find(session, actor, public_id)
            delivery = session.scalars(
                select(EmailDelivery)
                .where(EmailDelivery.claim_link_id == link.id)
                .order_by(EmailDelivery.id.desc())
            ).first()
            if delivery is None:
                raise ConflictError("this claim link has not been emailed yet")
            delivery.state = "bounced"
            delivery.detail = (reason or "reported as bounced")[:500]
            delivery.attempts = [
                *delivery.attempts,
                {"at": self._clock().isoformat(), "outcome": "bounced", "detail": delivery.detail},
            ]
            delivery.updated_at = self._clock()
            self._audit.record(session, actor, "claim.bounced", "claim", public_id, {})
            session.commit()
            return self._record(session, link)

    # ------------------------------------------------------------------ the page

    def _context(self, session: Session, link: ClaimLink) -> dict[str, Any]:
        organization = session.get(Organization, link.organization_id)
        assert organization is not None
        achievement = session.get(Achievement, link.achievement_id)
        assert achievement is not None
        data: Mapping[str, Any] = {}
        credential = session.get(IssuedCredential, link.credential_id or -1)
        version_id = credential.achievement_version_id if credential else None
        version = session.get(AchievementVersion, version_id) if version_id else None
        if version is None:
            version = session.scalars(
                select(AchievementVersion).where(
                    AchievementVersion.achievement_id == achievement.id,
                    AchievementVersion.version == achievement.current_version,
                )
            ).first()
        if version is not None:
            data = version.data
        image = data.get("image")
        if isinstance(image, Mapping):
            image = image.get("id")
        profile = organization.profile or {}
        contact = profile.get("email")
        return {
            "organization": organization.name,
            "contact": contact if isinstance(contact, str) else None,
            "achievement_name": str(data.get("name") or ""),
            "achievement_description": str(data.get("description") or ""),
            "image": image if isinstance(image, str) and image.startswith("https://") else None,
            "expires_at": link.expires_at,
        }

    def _by_token(self, session: Session, token: str) -> ClaimLink:
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise NotFoundError("there is no such claim link")
        link = session.scalars(
            select(ClaimLink).where(ClaimLink.token_hash == _hash(token))
        ).one_or_none()
        if link is None:
            raise NotFoundError("there is no such claim link")
        return link

    def view(self, token: str) -> ClaimView:
        """The claim page of ``token``; ClaimGone (410) once expired or revoked. A live
        offer also gets a Learner Credential Wallet deep link (when wired)."""
        view = self._view(token)
        if view.offer_id is not None and self._lcw_link is not None:
            view = replace(view, lcw_url=self._lcw_link(view.offer_id))
        return view

    def _view(self, token: str) -> ClaimView:
        with self._db.session() as session:
            link = self._by_token(session, token)
            context = self._context(session, link)
            offer = session.get(Offer, link.offer_id or -1)
            now = self._clock()
            live = offer is not None and offer.redeemed_at is None and offer.expires_at > now
            view = ClaimView(
                lang=link.lang,
                organization=context["organization"],
                contact=context["contact"],
                achievement_name=context["achievement_name"],
                achievement_description=context["achievement_description"],
                image=context["image"],
                offer_uri=offer_uri_by_reference(self._oid4vci.offer_url(offer.public_id))
                if offer and live
                else None,
                offer_qr_png=f"{self._oid4vci.offer_url(offer.public_id)}/qr.png"
                if offer and live
                else None,
                offer_id=offer.public_id if offer and live else None,
                has_credential=link.credential_id is not None,
                expires_at=link.expires_at,
            )
            if link.revoked_at is not None:
                raise ClaimGone("revoked", view)
            credential = session.get(IssuedCredential, link.credential_id or -1)
            if credential is not None and credential.revoked_at is not None:
                raise ClaimGone("revoked", view)
            if link.expires_at <= now:
                raise ClaimGone("expired", view)
            return view

    def credential(self, token: str) -> tuple[str, str]:
        """(format, document) of the link's credential, exactly as issued."""
        self.view(token)
        with self._db.session() as session:
            link = self._by_token(session, token)
            credential = session.get(IssuedCredential, link.credential_id or -1)
            if credential is None:
                raise NotFoundError("this link offers a credential to a wallet only")
            return credential.format, credential.document

    def badge_png(self, token: str) -> bytes:
        """The plain default image with the credential baked in (OB 3.0 ``iTXt`` chunk);
        an achievement's own image is a remote URL, never fetched here."""
        format, document = self.credential(token)
        return bake_png(self.default_image, parse_document(format, document))


def parse_document(format: str, document: str) -> Any:
    """The credential as JSON (Data Integrity) or the compact JWT string (vc-jwt)."""
    if format == "vc-jwt" or not document.startswith("{"):
        return document
    return json.loads(document)
