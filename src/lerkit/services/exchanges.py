"""VC-API exchanges: one workflow, "didauth-issue" (W3C VCALM workflows and exchanges).

An organization's API caller creates an exchange for an achievement and an intended
recipient, or for an existing OpenID4VCI offer (``create``). The wallet (e.g. the DCC
Learner Credential Wallet) starts from the *interaction URL*
``{public_url}/interactions/{id}?iuv=1``, whose JSON lists the protocols
(``{"protocols": {"vcapi": <exchange URL>, "oid4vci-1.0"?: <offer URI>}}``), and then talks
to the exchange URL ``{public_url}/workflows/didauth-issue/exchanges/{id}``:

1. ``{}`` -> a Verifiable Presentation Request for ``DIDAuthentication`` with a fresh
   ``challenge`` and this instance's ``domain`` (its public host); state ``active``.
2. ``{"verifiablePresentation": vp}`` -> the presentation is verified (an ``authentication``
   proof by the holder, answering that challenge and domain; the holder a ``did:key`` or
   ``did:jwk``), one credential is issued to the holder's DID through
   :class:`IssuanceService` (``recipient_type="did"``) in the same transaction that marks
   the exchange ``complete`` (and redeems its offer), and the wallet gets
   ``{"verifiablePresentation": {..., "verifiableCredential": [credential]}}``.

Exchanges are single use and expire. Errors (``ExchangeError``, HTTP 400, with the stable
problem code that says why: ``proof.challenge_mismatch``, ``proof.domain_mismatch``,
``holder.key_not_controlled``, ``did.unsupported_method``, ``validity.expired`` for an expired
exchange, ``request.conflict`` for one already complete) are recorded as ``lastError``; a
failed presentation leaves the exchange active, so that the wallet may ask again.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lerkit.core.errors import ProblemCode
from lerkit.core.model.vc import VC_V2_CONTEXT
from lerkit.core.report import CheckStatus
from lerkit.db.models import Achievement, Exchange, Offer, Organization
from lerkit.db.session import Database
from lerkit.services.achievements import AchievementService
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import NotFoundError, ServiceError, ValidationError
from lerkit.services.issuance import IssuanceService
from lerkit.services.oid4vci import offer_uri_by_reference
from lerkit.services.verification import Verifier

WORKFLOW_ID = "didauth-issue"
DEFAULT_EXCHANGE_SECONDS = 900
MAX_EXCHANGE_SECONDS = 30 * 24 * 3600
EXCHANGE_SCOPE = "credentials:issue"  # an exchange issues a credential
HOLDER_METHODS = ("did:key:", "did:jwk:")
ACCEPTED_CRYPTOSUITES = ("eddsa-rdfc-2022", "Ed25519Signature2020")

PENDING, ACTIVE, COMPLETE, INVALID = "pending", "active", "complete", "invalid"


class ExchangeError(ServiceError):
    """The wallet's message is refused (HTTP 400); ``code`` says why."""

    status = 400


@dataclass(frozen=True)
class CreatedExchange:
    public_id: str
    interaction_url: str
    exchange_url: str
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "workflow": WORKFLOW_ID,
            "interactionUrl": self.interaction_url,
            "exchangeUrl": self.exchange_url,
            "expires": self.expires_at.isoformat(),
        }


class ExchangeService:
    def __init__(
        self,
        db: Database,
        *,
        issuance: IssuanceService,
        achievements: AchievementService,
        verifier: Verifier,
        audit: AuditLog,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
    ) -> None:
        self._db = db
        self._issuance = issuance
        self._achievements = achievements
        self._verifier = verifier
        self._audit = audit
        self._clock = clock
        self._entropy = entropy
        self._public_url = public_url.rstrip("/")
        self.domain = urlsplit(self._public_url).netloc or self._public_url

    # ------------------------------------------------------------------ identifiers

    def exchange_url(self, public_id: str) -> str:
        return f"{self._public_url}/workflows/{WORKFLOW_ID}/exchanges/{public_id}"

    def interaction_url(self, public_id: str) -> str:
        return f"{self._public_url}/interactions/{public_id}?iuv=1"

    def _new_id(self) -> str:
        return uuid.UUID(bytes=self._entropy(16), version=4).hex

    def _challenge(self) -> str:
        return base64.urlsafe_b64encode(self._entropy(32)).rstrip(b"=").decode("ascii")

    # ------------------------------------------------------------------ create

    def create(
        self,
        actor: Actor,
        *,
        offer: str | None = None,
        achievement: str | None = None,
        recipient: str | None = None,
        expires_in: int = DEFAULT_EXCHANGE_SECONDS,
    ) -> CreatedExchange:
        """An exchange for ``offer`` (an OpenID4VCI offer's id: its achievement and
        recipient), or for ``achievement`` (its public id) and ``recipient``."""
        actor.require("issuer", EXCHANGE_SCOPE)
        if (offer is None) == (achievement is None):
            raise ValidationError(
                "give either offer, or achievement and recipient",
                [{"field": "offer", "message": "give offer, or achievement and recipient"}],
            )
        if not isinstance(expires_in, int) or not 60 <= expires_in <= MAX_EXCHANGE_SECONDS:
            raise ValidationError(
                f"expiresIn must be between 60 and {MAX_EXCHANGE_SECONDS} seconds",
                [{"field": "expiresIn", "message": f"must be 60..{MAX_EXCHANGE_SECONDS}"}],
            )
        now = self._clock()
        public_id = self._new_id()
        expires_at = now + timedelta(seconds=expires_in)
        with self._db.session() as session:
            offer_row: Offer | None = None
            if offer is not None:
                offer_row = session.scalars(
                    select(Offer).where(
                        Offer.public_id == offer, Offer.organization_id == actor.organization_id
                    )
                ).first()
                if offer_row is None:
                    raise NotFoundError(f"there is no offer {offer[:64]!r}")
                if offer_row.redeemed_at is not None or offer_row.expires_at <= now:
                    raise ValidationError(
                        "the offer has already been claimed or has expired",
                        [{"field": "offer", "message": "is claimed or expired"}],
                    )
                found = session.get(Achievement, offer_row.achievement_id)
                assert found is not None
                who = offer_row.recipient
                expires_at = min(expires_at, offer_row.expires_at)
            else:
                assert achievement is not None
                if not isinstance(recipient, str) or not recipient.strip():
                    raise ValidationError(
                        "recipient is required with achievement",
                        [{"field": "recipient", "message": "is required"}],
                    )
                found = self._achievements.find(session, actor, achievement)
                who = recipient.strip()[:500]
            if found.archived:
                raise ValidationError(
                    "achievement is archived: it can no longer be awarded",
                    [{"field": "achievement", "message": "is archived"}],
                )
            session.add(
                Exchange(
                    organization_id=actor.organization_id,
                    public_id=public_id,
                    achievement_id=found.id,
                    offer_id=offer_row.id if offer_row is not None else None,
                    recipient=who,
                    state=PENDING,
                    created_by=actor.label[:200],
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            self._audit.record(
                session,
                actor,
                "exchange.created",
                "exchange",
                public_id,
                {
                    "achievement": found.public_id,
                    "offer": offer_row.public_id if offer_row is not None else None,
                    "expiresIn": expires_in,
                },
            )
            session.commit()
        return CreatedExchange(
            public_id=public_id,
            interaction_url=self.interaction_url(public_id),
            exchange_url=self.exchange_url(public_id),
            expires_at=expires_at,
        )

    def lcw_request_for_offer(self, offer_public_id: str) -> str | None:
        """A Learner Credential Wallet deep link (``dccrequest://request?request=...``,
        PROTOCOLS §9) for a live offer: an open exchange made for it (reused until it
        completes) answers the wallet's DIDAuth and issues. None once the offer is gone."""
        now = self._clock()
        with self._db.session() as session:
            offer = session.scalars(select(Offer).where(Offer.public_id == offer_public_id)).first()
            if offer is None or offer.redeemed_at is not None or offer.expires_at <= now:
                return None
            existing = session.scalars(
                select(Exchange).where(
                    Exchange.offer_id == offer.id,
                    Exchange.state.in_((PENDING, ACTIVE)),
                    Exchange.expires_at > now,
                )
            ).first()
            public_id = existing.public_id if existing is not None else None
            organization_id = offer.organization_id
        if public_id is None:
            actor = Actor(organization_id=organization_id, role="issuer", label="claim-page")
            public_id = self.create(actor, offer=offer_public_id).public_id
        request = {
            "credentialRequestOrigin": self._public_url,
            "protocols": {"vcapi": self.exchange_url(public_id)},
        }
        return "dccrequest://request?request=" + quote(
            json.dumps(request, separators=(",", ":")), safe=""
        )

    # ------------------------------------------------------------------ public side

    @staticmethod
    def _find(session: Session, workflow_id: str, public_id: str) -> Exchange:
        found = None
        if workflow_id == WORKFLOW_ID:
            found = session.scalars(select(Exchange).where(Exchange.public_id == public_id)).first()
        if found is None:
            raise NotFoundError("there is no such exchange")
        return found

    def protocols(self, public_id: str) -> dict[str, Any]:
        """The interaction URL's answer: ``{"protocols": {...}}``."""
        with self._db.session() as session:
            exchange = self._find(session, WORKFLOW_ID, public_id)
            protocols: dict[str, str] = {"vcapi": self.exchange_url(exchange.public_id)}
            if exchange.offer_id is not None:
                offer = session.get(Offer, exchange.offer_id)
                now = self._clock()
                if (
                    offer is not None
                    and offer.redeemed_at is None
                    and offer.reference_served_at is None
                    and offer.expires_at > now
                ):
                    protocols["oid4vci-1.0"] = offer_uri_by_reference(
                        f"{self._public_url}/offers/{offer.public_id}"
                    )
        return {"protocols": protocols}

    def state(self, workflow_id: str, public_id: str) -> dict[str, Any]:
        """``{id, workflow, step, state, expires, lastError}`` (nothing about the recipient)."""
        now = self._clock()
        with self._db.session() as session:
            exchange = self._find(session, workflow_id, public_id)
            state = exchange.state
            if state in (PENDING, ACTIVE) and exchange.expires_at <= now:
                state = INVALID
            return {
                "id": self.exchange_url(exchange.public_id),
                "workflow": WORKFLOW_ID,
                "step": "issue" if state == COMPLETE else "didAuthentication",
                "state": state,
                "expires": exchange.expires_at.isoformat(),
                "lastError": exchange.last_error,
            }

    def message(self, workflow_id: str, public_id: str, body: Any) -> dict[str, Any]:
        """The wallet's message to the exchange: ``{}`` or ``{"verifiablePresentation"}``."""
        if not isinstance(body, Mapping):
            raise ExchangeError("the message must be a JSON object", ProblemCode.REQUEST_MALFORMED)
        presentation = body.get("verifiablePresentation")
        if isinstance(presentation, list) and len(presentation) == 1:
            presentation = presentation[0]
        try:
            if presentation is None:
                return self._request(workflow_id, public_id)
            return self._present(workflow_id, public_id, presentation)
        except ExchangeError as exc:
            self._record_error(workflow_id, public_id, exc)
            raise

    def _live(self, exchange: Exchange, now: datetime) -> None:
        if exchange.state == COMPLETE:
            raise ExchangeError(
                "this exchange is complete: exchanges are single use, and its challenge "
                "has been used",
                ProblemCode.CONFLICT,
            )
        if exchange.state == INVALID:
            raise ExchangeError("this exchange is no longer valid", ProblemCode.CONFLICT)
        if exchange.expires_at <= now:
            raise ExchangeError("this exchange has expired", ProblemCode.VALIDITY_EXPIRED)

    def _request(self, workflow_id: str, public_id: str) -> dict[str, Any]:
        now = self._clock()
        challenge = self._challenge()
        with self._db.session() as session:
            exchange = self._find(session, workflow_id, public_id)
            self._live(exchange, now)
            exchange.challenge = challenge
            exchange.state = ACTIVE
            url = self.exchange_url(exchange.public_id)
            session.commit()
        return {
            "verifiablePresentationRequest": {
                "query": [
                    {
                        "type": "DIDAuthentication",
                        "acceptedMethods": [{"method": "key"}],
                        "acceptedCryptosuites": [
                            {"cryptosuite": suite} for suite in ACCEPTED_CRYPTOSUITES
                        ],
                    }
                ],
                "challenge": challenge,
                "domain": self.domain,
                "interact": {
                    "service": [
                        {"type": "UnmediatedHttpPresentationService2021", "serviceEndpoint": url}
                    ]
                },
            }
        }

    def _holder(self, presentation: Any, challenge: str) -> str:
        """The DID that answered ``challenge`` (raises ExchangeError with the reason)."""
        if not isinstance(presentation, Mapping | str):
            raise ExchangeError(
                "verifiablePresentation must be a presentation (an object or a JWT)",
                ProblemCode.PRESENTATION_MALFORMED,
            )
        report = self._verifier.verify_presentation(
            presentation if isinstance(presentation, str) else dict(presentation),
            challenge=challenge,
            domain=self.domain,
        )
        if not report.verified:
            failed = next(
                (c for c in report.checks if c.status is CheckStatus.FAIL),
                next((c for c in report.checks if c.status is CheckStatus.COULD_NOT_CHECK), None),
            )
            reason = failed.message if failed is not None else "it did not verify"
            code = failed.code if failed is not None and failed.code else ProblemCode.PROOF_INVALID
            raise ExchangeError(f"the presentation is refused: {reason}", code)
        document = report.document or {}
        holder = document.get("holder")
        holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
        if not isinstance(holder_id, str) or not holder_id:
            raise ExchangeError(
                "the presentation names no holder (DIDAuthentication needs one)",
                ProblemCode.HOLDER_MISMATCH,
            )
        if not holder_id.startswith(HOLDER_METHODS) or len(holder_id) > 2000:
            raise ExchangeError(
                "the holder must be a did:key or did:jwk DID", ProblemCode.DID_UNSUPPORTED_METHOD
            )
        return holder_id

    def _present(self, workflow_id: str, public_id: str, presentation: Any) -> dict[str, Any]:
        now = self._clock()
        with self._db.session() as session:
            exchange = self._find(session, workflow_id, public_id)
            self._live(exchange, now)
            challenge = exchange.challenge
            if exchange.state != ACTIVE or challenge is None:
                raise ExchangeError(
                    "no challenge has been given yet: POST {} first",
                    ProblemCode.PROOF_CHALLENGE_MISMATCH,
                )
            holder = self._holder(presentation, challenge)
            # atomic: of two presentations answering the same challenge, one wins
            won = session.execute(
                update(Exchange)
                .where(
                    Exchange.id == exchange.id,
                    Exchange.state == ACTIVE,
                    Exchange.challenge == challenge,
                )
                .values(state=COMPLETE, completed_at=now, holder=holder, last_error=None)
                .execution_options(synchronize_session=False)
            )
            if getattr(won, "rowcount", 1) != 1:
                raise ExchangeError(
                    "this exchange is complete: exchanges are single use", ProblemCode.CONFLICT
                )
            if exchange.offer_id is not None:
                claimed = session.execute(
                    update(Offer)
                    .where(Offer.id == exchange.offer_id, Offer.redeemed_at.is_(None))
                    .values(redeemed_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(claimed, "rowcount", 1) != 1:
                    raise ExchangeError(
                        "the offer of this exchange has already been claimed",
                        ProblemCode.CONFLICT,
                    )
            achievement = session.get(Achievement, exchange.achievement_id)
            organization = session.get(Organization, exchange.organization_id)
            assert achievement is not None
            assert organization is not None
            actor = Actor(
                organization_id=organization.id,
                role="issuer",
                label=f"exchange:{exchange.public_id}",
            )
            issued = self._issuance.issue_in(
                session, actor, achievement.public_id, holder, recipient_type="did"
            )
            session.flush()
            session.execute(
                update(Exchange)
                .where(Exchange.id == exchange.id)
                .values(credential_id=issued.id)
                .execution_options(synchronize_session=False)
            )
            document = issued.document
            session.commit()
        return {
            "verifiablePresentation": {
                "@context": [VC_V2_CONTEXT],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [json.loads(document)],
            }
        }

    def _record_error(self, workflow_id: str, public_id: str, exc: ExchangeError) -> None:
        """Keep the refusal as the exchange's ``lastError`` (VC-API), when it exists."""
        error = {"code": str(exc.code), "detail": exc.message[:500]}
        with self._db.session() as session:
            found = None
            if workflow_id == WORKFLOW_ID:
                found = session.scalars(
                    select(Exchange).where(Exchange.public_id == public_id)
                ).first()
            if found is None or found.state == COMPLETE:
                return
            found.last_error = error
            session.commit()
