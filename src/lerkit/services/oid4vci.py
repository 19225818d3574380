"""OpenID for Verifiable Credential Issuance 1.0 (final): the pre-authorized code flow.

Each organization is its own Credential Issuer, identified by ``{public_url}/orgs/{slug}``
(its DID documents live under the same path). The issuer is also its own OAuth
authorization server. Per the spec, metadata is served with the well-known segment
inserted between host and path: ``/.well-known/openid-credential-issuer/orgs/{slug}`` and
``/.well-known/oauth-authorization-server/orgs/{slug}``; the token, nonce and credential
endpoints are ``/orgs/{slug}/token``, ``/orgs/{slug}/nonce`` and ``/orgs/{slug}/credential``.

An organization's API caller creates an *offer* of one achievement for one intended
recipient (``create_offer``): the response holds the offer by value, the
``credential_offer_uri`` (served once, at ``/offers/{id}``) and, when asked for, a numeric
PIN (``tx_code``) shown only then. The wallet redeems the pre-authorized code once, before
the offer expires (``token``), gets ``c_nonce`` values (``nonce``) and asks for credentials
with JWT proofs of possession (``credential``): each proof must be ``openid4vci-proof+jwt``,
for this issuer (``aud``), fresh (``iat``) and carry an unused ``c_nonce``; its key (``kid``:
a did:key / did:jwk DID URL, or ``jwk``) becomes the credential subject's ``id``. Several
proofs (up to ``BATCH_SIZE``) give several credentials, issued through
:class:`IssuanceService` with ``recipient_type="did"``, in the same transaction as the
access token's and nonces' bookkeeping. Every secret (pre-authorized codes, PIN, access
tokens, nonces) is stored as a SHA-256 hash only.

Formats: ``ldp_vc`` (eddsa-rdfc-2022), ``jwt_vc_json`` (VC-JWT) and ``dc+sd-jwt`` (an SD-JWT VC
of ``vct`` ``{issuer}/vct/open-badge``, bound to the proof key by ``cnf.jwk``; see
:mod:`lerkit.services.issuance` for its claims and why it has no ``status`` claim).

"One offer, every protocol": :meth:`Oid4vciService.ways` lists every way a live offer can be
claimed, from the ``OFFER_WAYS`` registry (protocol -> provider, in order). OpenID4VCI is
built in, with the VC-API exchange made for the offer (its interaction URL) and the claim
page (emailed: its URL is secret, so only noted); another protocol adds itself with one line
(``OFFER_WAYS["name"] = provider``).

Errors: ``OAuthError`` (a ServiceError) carries the OAuth / OpenID4VCI ``error`` code and its
HTTP status; the API returns it as ``{"error": ..., "error_description": ...}`` (RFC 6749
§5.2, OpenID4VCI §8.3.1), not as problem+json. Offer management uses the usual service
errors (NotFoundError, ValidationError, PermissionDeniedError).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lerkit.core.dids.base import split_did_url
from lerkit.core.dids.jwk import did_jwk, public_key_from_did_jwk
from lerkit.core.dids.key import public_key_from_did_key
from lerkit.core.errors import LerkitError
from lerkit.core.jose import decode_unverified
from lerkit.core.keys import PublicKey
from lerkit.core.model.vc import VC_V2_CONTEXT
from lerkit.core.multibase import b64url_decode
from lerkit.db.models import (
    Achievement,
    ClaimLink,
    CNonce,
    Exchange,
    Offer,
    OfferAccessToken,
    Organization,
)
from lerkit.db.session import Database
from lerkit.services.achievements import AchievementService
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import NotFoundError, ServiceError, ValidationError
from lerkit.services.issuance import SD_JWT_VCT_PATH, IssuanceService

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
LDP_VC = "OpenBadgeCredential_ldp_vc"
JWT_VC_JSON = "OpenBadgeCredential_jwt_vc_json"
SD_JWT_VC = "OpenBadgeCredential_dc+sd-jwt"
CONFIGURATIONS: dict[str, tuple[str, str]] = {
    LDP_VC: ("ldp_vc", "eddsa-rdfc-2022"),
    JWT_VC_JSON: ("jwt_vc_json", "vc-jwt"),
    SD_JWT_VC: ("dc+sd-jwt", "dc+sd-jwt"),
}
"""Credential configuration id -> (OpenID4VCI format, IssuanceService format)."""

PROOF_ALGS = ("EdDSA", "Ed25519", "ES256", "ES384")
BATCH_SIZE = 10
TX_CODE_LENGTH = 6
MAX_TX_CODE_FAILURES = 5
DEFAULT_OFFER_SECONDS = 900
MAX_OFFER_SECONDS = 30 * 24 * 3600
ACCESS_TOKEN_SECONDS = 600
NONCE_SECONDS = 600
PROOF_MAX_AGE = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=60)
OFFER_SCOPE = "credentials:issue"  # making an offer issues a credential


class OAuthError(ServiceError):
    """An OAuth 2.0 / OpenID4VCI protocol error: ``error`` is the spec's code."""

    def __init__(
        self, error: str, description: str, status: int = 400, *, bearer: bool = False
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.bearer = bearer  # add a WWW-Authenticate: Bearer challenge (RFC 6750)

    def to_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _tx_hash(offer_public_id: str, pin: str) -> str:
    # salted by the offer id: the same PIN in two offers hashes differently
    return hashlib.sha256(f"{offer_public_id}:{pin}".encode()).hexdigest()


@dataclass(frozen=True)
class CreatedOffer:
    """A new offer, with its secrets (the pre-authorized code, the PIN) shown this once."""

    public_id: str
    achievement: str
    recipient: str
    credential_issuer: str
    configuration_ids: list[str]
    credential_offer: dict[str, Any]
    credential_offer_uri: str
    tx_code: str | None
    expires_at: datetime
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def offer_uri(self) -> str:
        """``openid-credential-offer://?credential_offer_uri=...`` (by reference)."""
        return offer_uri_by_reference(self.credential_offer_uri)

    @property
    def offer_uri_by_value(self) -> str:
        text = json.dumps(self.credential_offer, separators=(",", ":"))
        return f"openid-credential-offer://?credential_offer={quote(text, safe='')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "achievement": self.achievement,
            "recipient": self.recipient,
            "credentialIssuer": self.credential_issuer,
            "credentialConfigurationIds": self.configuration_ids,
            "credentialOffer": self.credential_offer,
            "credentialOfferUri": self.credential_offer_uri,
            "offerUri": self.offer_uri,
            "offerUriByValue": self.offer_uri_by_value,
            "txCode": self.tx_code,
            "expiresAt": self.expires_at.isoformat(),
            **self.extra,
        }


def offer_uri_by_reference(credential_offer_uri: str) -> str:
    return f"openid-credential-offer://?credential_offer_uri={quote(credential_offer_uri, safe='')}"


@dataclass(frozen=True)
class OfferContext:
    """What a way provider knows of a live offer (``session`` is open, read it only)."""

    session: Session
    offer: Offer
    organization: Organization
    public_url: str
    credential_issuer: str
    offer_url: str  # the credential_offer_uri
    now: datetime


@dataclass(frozen=True)
class Way:
    """One way to claim an offer: ``url`` is where a wallet or a person goes (None: not
    available for this offer, ``note`` says why); ``links`` are extras (QR codes...)."""

    protocol: str
    description: str
    url: str | None
    links: dict[str, str] = field(default_factory=dict)
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "description": self.description,
            "available": self.url is not None,
            "url": self.url,
        }
        if self.links:
            out["links"] = dict(self.links)
        if self.note:
            out["note"] = self.note
        return out


WayProvider = Callable[[OfferContext], Way | None]
OFFER_WAYS: dict[str, WayProvider] = {}
"""Protocol -> provider (None: the way does not apply to that offer), listed in this order."""


def _openid4vci_way(ctx: OfferContext) -> Way:
    description = "OpenID4VCI 1.0 (pre-authorized code): scan with a wallet"
    if ctx.offer.reference_served_at is not None:
        return Way(
            "openid4vci",
            description,
            None,
            note="a wallet has already fetched this offer by reference",
        )
    return Way(
        "openid4vci",
        description,
        offer_uri_by_reference(ctx.offer_url),
        links={
            "credentialOfferUri": ctx.offer_url,
            "qrPng": f"{ctx.offer_url}/qr.png",
            "qrSvg": f"{ctx.offer_url}/qr.svg",
        },
    )


def _vc_api_way(ctx: OfferContext) -> Way:
    """The interaction URL (``?iuv=1``) of an open VC-API exchange made for this offer
    (``POST /api/v1/exchanges`` with ``offer``; see :mod:`lerkit.services.exchanges`)."""
    description = "VC-API exchange (DIDAuth, then issue): the interaction URL"
    exchange = ctx.session.scalars(
        select(Exchange)
        .where(
            Exchange.offer_id == ctx.offer.id,
            Exchange.state.in_(("pending", "active")),
            Exchange.expires_at > ctx.now,
        )
        .order_by(Exchange.id.desc())
    ).first()
    if exchange is None:
        return Way("vc-api", description, None, note="no open exchange was made for this offer")
    return Way(
        "vc-api",
        description,
        f"{ctx.public_url}/interactions/{exchange.public_id}?iuv=1",
    )


def _claim_page_way(ctx: OfferContext) -> Way:
    """The claim page: its URL carries a secret token, known only to the email sent."""
    description = "A web page to claim it in a browser (link sent by email)"
    link = ctx.session.scalars(
        select(ClaimLink).where(
            ClaimLink.offer_id == ctx.offer.id,
            ClaimLink.revoked_at.is_(None),
            ClaimLink.expires_at > ctx.now,
        )
    ).first()
    note = (
        "a claim link was emailed to the recipient (its URL is secret)"
        if link is not None
        else "no claim link was sent for this offer"
    )
    return Way("claim-page", description, None, note=note)


OFFER_WAYS["openid4vci"] = _openid4vci_way
OFFER_WAYS["vc-api"] = _vc_api_way
OFFER_WAYS["claim-page"] = _claim_page_way


@dataclass(frozen=True)
class _Proof:
    holder: str  # the DID the credential is bound to
    nonce: str


class Oid4vciService:
    def __init__(
        self,
        db: Database,
        *,
        issuance: IssuanceService,
        achievements: AchievementService,
        audit: AuditLog,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
    ) -> None:
        self._db = db
        self._issuance = issuance
        self._achievements = achievements
        self._audit = audit
        self._clock = clock
        self._entropy = entropy
        self._public_url = public_url.rstrip("/")

    # ------------------------------------------------------------------ identifiers

    def issuer_id(self, slug: str) -> str:
        return f"{self._public_url}/orgs/{slug}"

    def offer_url(self, public_id: str) -> str:
        return f"{self._public_url}/offers/{public_id}"

    def _secret(self) -> str:
        return base64.urlsafe_b64encode(self._entropy(32)).rstrip(b"=").decode("ascii")

    def _pin(self) -> str:
        number = int.from_bytes(self._entropy(8), "big") % (10**TX_CODE_LENGTH)
        return f"{number:0{TX_CODE_LENGTH}d}"

    @staticmethod
    def _organization(session: Session, slug: str) -> Organization:
        found = session.scalars(select(Organization).where(Organization.slug == slug)).first()
        if found is None:
            raise NotFoundError(f"there is no credential issuer {slug!r}")
        return found

    # ------------------------------------------------------------------ metadata

    def issuer_metadata(self, slug: str) -> dict[str, Any]:
        """The Credential Issuer Metadata (OpenID4VCI §12.2) of organization ``slug``."""
        with self._db.session() as session:
            organization = self._organization(session, slug)
            name = organization.name
            logo = (organization.profile or {}).get("image")
        issuer = self.issuer_id(slug)
        display: dict[str, Any] = {"name": name, "locale": "en"}
        if isinstance(logo, str) and logo.startswith("https://"):
            display["logo"] = {"uri": logo, "alt_text": f"{name} logo"}
        common: dict[str, Any] = {
            "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
            },
            "credential_metadata": {
                "display": [
                    {
                        "name": "Open Badge",
                        "locale": "en",
                        "description": f"An Open Badges 3.0 achievement from {name}",
                    }
                ],
                "claims": [
                    {
                        "path": ["credentialSubject", "achievement", "name"],
                        "display": [{"name": "Achievement", "locale": "en"}],
                    },
                    {
                        "path": ["credentialSubject", "achievement", "description"],
                        "display": [{"name": "Description", "locale": "en"}],
                    },
                ],
            },
        }
        types = ["VerifiableCredential", "OpenBadgeCredential"]
        return {
            "credential_issuer": issuer,
            "credential_endpoint": f"{issuer}/credential",
            "nonce_endpoint": f"{issuer}/nonce",
            "batch_credential_issuance": {"batch_size": BATCH_SIZE},
            "display": [display],
            "credential_configurations_supported": {
                LDP_VC: {
                    "format": "ldp_vc",
                    "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                    "credential_definition": {
                        "@context": [VC_V2_CONTEXT, OB3_CONTEXT],
                        "type": types,
                    },
                    **common,
                },
                JWT_VC_JSON: {
                    "format": "jwt_vc_json",
                    "credential_signing_alg_values_supported": ["EdDSA", "ES256", "ES384"],
                    "credential_definition": {"type": types},
                    **common,
                },
                SD_JWT_VC: {
                    "format": "dc+sd-jwt",
                    "vct": issuer + SD_JWT_VCT_PATH,
                    "credential_signing_alg_values_supported": ["EdDSA", "ES256", "ES384"],
                    **common,
                    "cryptographic_binding_methods_supported": ["jwk"],
                    "credential_metadata": {
                        **common["credential_metadata"],
                        "claims": [
                            {
                                "path": ["achievement", name],
                                "display": [{"name": label, "locale": "en"}],
                            }
                            for name, label in (
                                ("name", "Achievement"),
                                ("description", "Description"),
                                ("criteria", "Criteria"),
                                ("alignment", "Alignments"),
                            )
                        ]
                        + [
                            {"path": ["result"], "display": [{"name": "Results", "locale": "en"}]},
                            {"path": ["name"], "display": [{"name": "Name", "locale": "en"}]},
                        ],
                    },
                },
            },
        }

    def authorization_server_metadata(self, slug: str) -> dict[str, Any]:
        """RFC 8414 metadata of the issuer's own authorization server (pre-auth only)."""
        with self._db.session() as session:
            self._organization(session, slug)
        issuer = self.issuer_id(slug)
        return {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/token",
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "token_endpoint_auth_methods_supported": ["none"],
            "response_types_supported": [],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # ------------------------------------------------------------------ offers

    def create_offer(
        self,
        actor: Actor,
        achievement: str,
        recipient: str,
        *,
        tx_code: bool = False,
        expires_in: int = DEFAULT_OFFER_SECONDS,
        configuration_ids: Sequence[str] | None = None,
    ) -> CreatedOffer:
        """Offer the current version of ``achievement`` (its public id); the credential is
        issued when the wallet claims it, to the holder's DID. ``recipient`` names whom the
        offer is meant for (kept with the offer and in the audit log)."""
        actor.require("issuer", OFFER_SCOPE)
        if not isinstance(recipient, str) or not recipient.strip() or len(recipient) > 500:
            raise ValidationError(
                "recipient is required (at most 500 characters)",
                [{"field": "recipient", "message": "is required (at most 500 characters)"}],
            )
        if not isinstance(expires_in, int) or not 60 <= expires_in <= MAX_OFFER_SECONDS:
            raise ValidationError(
                f"expiresIn must be between 60 and {MAX_OFFER_SECONDS} seconds",
                [{"field": "expiresIn", "message": f"must be 60..{MAX_OFFER_SECONDS}"}],
            )
        ids = list(dict.fromkeys(configuration_ids or CONFIGURATIONS))
        unknown = [c for c in ids if c not in CONFIGURATIONS]
        if unknown or not ids:
            raise ValidationError(
                f"credentialConfigurationIds must be among {', '.join(CONFIGURATIONS)}",
                [{"field": "credentialConfigurationIds", "message": f"unknown: {unknown}"}],
            )
        now = self._clock()
        public_id = uuid.UUID(bytes=self._entropy(16), version=4).hex
        code = self._secret()
        pin = self._pin() if tx_code else None
        with self._db.session() as session:
            organization = session.get(Organization, actor.organization_id)
            if organization is None:
                raise NotFoundError("the organization does not exist")
            found = self._achievements.find(session, actor, achievement)
            if found.archived:
                raise ValidationError(
                    "achievement is archived: it can no longer be awarded",
                    [{"field": "achievement", "message": "is archived"}],
                )
            offer = Offer(
                organization_id=organization.id,
                public_id=public_id,
                achievement_id=found.id,
                recipient=recipient.strip(),
                configuration_ids=ids,
                code_hash=_hash(code),
                tx_code_hash=_tx_hash(public_id, pin) if pin else None,
                tx_code_failures=0,
                created_by=actor.label[:200],
                created_at=now,
                expires_at=now + timedelta(seconds=expires_in),
            )
            session.add(offer)
            self._audit.record(
                session,
                actor,
                "offer.created",
                "offer",
                public_id,
                {"achievement": found.public_id, "txCode": bool(pin), "expiresIn": expires_in},
            )
            slug = organization.slug
            achievement_id = found.public_id
            session.commit()
        issuer = self.issuer_id(slug)
        return CreatedOffer(
            public_id=public_id,
            achievement=achievement_id,
            recipient=recipient.strip(),
            credential_issuer=issuer,
            configuration_ids=ids,
            credential_offer=self._offer_object(issuer, ids, code, pin is not None),
            credential_offer_uri=self.offer_url(public_id),
            tx_code=pin,
            expires_at=now + timedelta(seconds=expires_in),
        )

    @staticmethod
    def _offer_object(issuer: str, ids: list[str], code: str, pin: bool) -> dict[str, Any]:
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if pin:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_LENGTH,
                "description": "The PIN the issuer gave you with this offer",
            }
        return {
            "credential_issuer": issuer,
            "credential_configuration_ids": ids,
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    def _live_offer(self, session: Session, public_id: str, now: datetime) -> Offer:
        offer = session.scalars(select(Offer).where(Offer.public_id == public_id)).first()
        if offer is None or offer.redeemed_at is not None or offer.expires_at <= now:
            raise NotFoundError("there is no such offer, or it has expired or been used")
        return offer

    def offer_by_reference(self, public_id: str) -> dict[str, Any]:
        """The Credential Offer behind ``credential_offer_uri``: served once (it carries a
        pre-authorized code minted now), never after the offer expired or was redeemed."""
        now = self._clock()
        code = self._secret()
        with self._db.session() as session:
            offer = self._live_offer(session, public_id, now)
            if offer.reference_served_at is not None:
                raise NotFoundError("this offer has already been fetched by reference")
            offer.reference_served_at = now
            offer.reference_code_hash = _hash(code)
            organization = session.get(Organization, offer.organization_id)
            assert organization is not None
            result = self._offer_object(
                self.issuer_id(organization.slug),
                list(offer.configuration_ids),
                code,
                offer.tx_code_hash is not None,
            )
            session.commit()
        return result

    def offer_uri(self, public_id: str) -> str:
        """The by-reference offer URI of a live offer (for its QR code)."""
        with self._db.session() as session:
            offer = self._live_offer(session, public_id, self._clock())
            return offer_uri_by_reference(self.offer_url(offer.public_id))

    def ways(self, public_id: str) -> dict[str, Any]:
        """Every way a live offer can be claimed (``OFFER_WAYS``); public, like the offer's
        id (which is the offer's only secret here: no code or PIN is shown)."""
        with self._db.session() as session:
            offer = self._live_offer(session, public_id, self._clock())
            organization = session.get(Organization, offer.organization_id)
            assert organization is not None
            ctx = OfferContext(
                session=session,
                offer=offer,
                organization=organization,
                public_url=self._public_url,
                credential_issuer=self.issuer_id(organization.slug),
                offer_url=self.offer_url(offer.public_id),
                now=self._clock(),
            )
            found = [provider(ctx) for provider in OFFER_WAYS.values()]
            return {
                "id": offer.public_id,
                "credentialIssuer": ctx.credential_issuer,
                "credentialConfigurationIds": list(offer.configuration_ids),
                "txCode": offer.tx_code_hash is not None,
                "expiresAt": offer.expires_at.isoformat(),
                "ways": [way.to_json() for way in found if way is not None],
            }

    # ------------------------------------------------------------------ token

    def token(self, slug: str, form: Mapping[str, str]) -> dict[str, Any]:
        """The token endpoint: redeem a pre-authorized code (once) for an access token."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError("unsupported_grant_type", f"only {PRE_AUTHORIZED_GRANT} is supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise OAuthError("invalid_request", "pre-authorized_code is required")
        pin = form.get("tx_code")
        now = self._clock()
        token = self._secret()
        failure: OAuthError | None = None
        with self._db.session() as session:
            offer = session.scalars(
                select(Offer)
                .join(Organization, Organization.id == Offer.organization_id)
                .where(Organization.slug == slug)
                .where(
                    (Offer.code_hash == _hash(code)) | (Offer.reference_code_hash == _hash(code))
                )
            ).first()
            if offer is None:
                raise OAuthError("invalid_grant", "the pre-authorized code is not valid")
            if offer.redeemed_at is not None:
                raise OAuthError("invalid_grant", "the pre-authorized code has already been used")
            if offer.expires_at <= now:
                raise OAuthError("invalid_grant", "the pre-authorized code has expired")
            if offer.tx_code_hash is None:
                if pin is not None:
                    raise OAuthError("invalid_request", "this offer takes no tx_code")
            elif not pin:
                raise OAuthError("invalid_request", "this offer needs its tx_code (PIN)")
            elif offer.tx_code_failures >= MAX_TX_CODE_FAILURES:
                raise OAuthError("invalid_grant", "too many wrong tx_code attempts")
            elif not hmac.compare_digest(offer.tx_code_hash, _tx_hash(offer.public_id, pin)):
                offer.tx_code_failures += 1
                failure = OAuthError("invalid_grant", "the tx_code is not correct")
            if failure is None:
                # atomic: of two concurrent requests with the same code, one wins
                won = session.execute(
                    update(Offer)
                    .where(Offer.id == offer.id, Offer.redeemed_at.is_(None))
                    .values(redeemed_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(won, "rowcount", 1) != 1:
                    raise OAuthError(
                        "invalid_grant", "the pre-authorized code has already been used"
                    )
                session.add(
                    OfferAccessToken(
                        offer_id=offer.id,
                        token_hash=_hash(token),
                        claimed=[],
                        created_at=now,
                        expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
                    )
                )
            session.commit()
        if failure is not None:
            raise failure
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
        }

    # ------------------------------------------------------------------ nonce

    def nonce(self, slug: str) -> str:
        """A fresh ``c_nonce`` of issuer ``slug`` (expired ones are swept here)."""
        now = self._clock()
        value = self._secret()
        with self._db.session() as session:
            organization = self._organization(session, slug)
            for stale in session.scalars(select(CNonce).where(CNonce.expires_at <= now).limit(100)):
                session.delete(stale)
            session.add(
                CNonce(
                    organization_id=organization.id,
                    nonce_hash=_hash(value),
                    created_at=now,
                    expires_at=now + timedelta(seconds=NONCE_SECONDS),
                )
            )
            session.commit()
        return value

    # ------------------------------------------------------------------ credential

    def credential(self, slug: str, access_token: str | None, body: Any) -> dict[str, Any]:
        """The credential endpoint: ``{"credentials": [{"credential": ...}, ...]}``."""
        now = self._clock()
        if not access_token:
            raise OAuthError("invalid_token", "an access token is required", 401, bearer=True)
        if not isinstance(body, Mapping):
            raise OAuthError("invalid_credential_request", "the request must be a JSON object")
        if "credential_identifier" in body:
            raise OAuthError(
                "unknown_credential_identifier",
                "this issuer gives no credential identifiers: send credential_configuration_id",
            )
        configuration = body.get("credential_configuration_id")
        if not isinstance(configuration, str):
            raise OAuthError(
                "invalid_credential_request", "credential_configuration_id is required"
            )
        if configuration not in CONFIGURATIONS:
            raise OAuthError(
                "unknown_credential_configuration",
                f"unknown credential configuration {configuration[:100]!r}",
            )
        if "credential_response_encryption" in body:
            raise OAuthError(
                "invalid_encryption_parameters", "credential response encryption is not supported"
            )
        jwts = self._proof_jwts(body)
        issuer = self.issuer_id(slug)
        with self._db.session() as session:
            row = session.scalars(
                select(OfferAccessToken).where(OfferAccessToken.token_hash == _hash(access_token))
            ).first()
            offer = session.get(Offer, row.offer_id) if row is not None else None
            organization = session.get(Organization, offer.organization_id) if offer else None
            if (
                row is None
                or offer is None
                or organization is None
                or organization.slug != slug
                or row.expires_at <= now
            ):
                raise OAuthError(
                    "invalid_token",
                    "the access token is not valid or has expired",
                    401,
                    bearer=True,
                )
            if configuration not in offer.configuration_ids:
                raise OAuthError(
                    "credential_request_denied", f"{configuration} was not offered to this token"
                )
            if configuration in row.claimed:
                raise OAuthError(
                    "credential_request_denied",
                    f"{configuration} has already been issued with this access token",
                )
            proofs = [self._check_proof(jwt, issuer, now) for jwt in jwts]
            self._use_nonces(session, organization.id, {p.nonce for p in proofs}, now)
            achievement = session.get(Achievement, offer.achievement_id)
            assert achievement is not None
            actor = Actor(
                organization_id=organization.id,
                role="issuer",
                label=f"oid4vci:offer:{offer.public_id}",
            )
            _, format = CONFIGURATIONS[configuration]
            rows = [
                self._issuance.issue_in(
                    session,
                    actor,
                    achievement.public_id,
                    proof.holder,
                    recipient_type="did",
                    format=format,
                )
                for proof in proofs
            ]
            row.claimed = [*row.claimed, configuration]
            session.flush()
            documents = [issued.document for issued in rows]
            session.commit()
        return {
            "credentials": [
                {"credential": json.loads(doc) if doc.startswith("{") else doc} for doc in documents
            ]
        }

    @staticmethod
    def _proof_jwts(body: Mapping[str, Any]) -> list[str]:
        proofs, proof = body.get("proofs"), body.get("proof")
        if proofs is not None and proof is not None:
            raise OAuthError("invalid_credential_request", "send proofs or proof, not both")
        if proof is not None:  # draft 13 and earlier: {"proof_type": "jwt", "jwt": "..."}
            if not isinstance(proof, Mapping) or proof.get("proof_type") != "jwt":
                raise OAuthError("invalid_proof", "proof must be {proof_type: jwt, jwt: ...}")
            proofs = {"jwt": [proof.get("jwt")]}
        if proofs is None:
            raise OAuthError("invalid_proof", "a proof of possession (proofs.jwt) is required")
        if not isinstance(proofs, Mapping) or set(proofs) != {"jwt"}:
            raise OAuthError("invalid_proof", 'proofs must be {"jwt": [...]} (only jwt proofs)')
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or not jwts or not all(isinstance(j, str) for j in jwts):
            raise OAuthError("invalid_proof", "proofs.jwt must be a non-empty array of JWTs")
        if len(jwts) > BATCH_SIZE:
            raise OAuthError("invalid_proof", f"at most {BATCH_SIZE} proofs per request")
        return list(jwts)

    @staticmethod
    def _check_proof(token: str, issuer: str, now: datetime) -> _Proof:
        """A JWT proof of possession (OpenID4VCI Appendix F.1), checked; raises
        ``invalid_proof`` (or ``invalid_nonce`` without a nonce)."""
        try:
            header, payload = decode_unverified(token)
        except LerkitError as exc:
            raise OAuthError("invalid_proof", exc.message) from exc
        if header.get("typ") != PROOF_TYP:
            raise OAuthError("invalid_proof", f"the proof's typ must be {PROOF_TYP}")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in PROOF_ALGS:
            raise OAuthError("invalid_proof", f"the proof's alg must be one of {PROOF_ALGS}")
        kid, jwk = header.get("kid"), header.get("jwk")
        if "x5c" in header or (kid is None) == (jwk is None):
            raise OAuthError("invalid_proof", "the proof's header needs exactly one of kid, jwk")
        try:
            if isinstance(kid, str):
                did, _ = split_did_url(kid)
                if did.startswith("did:key:"):
                    key = public_key_from_did_key(did)
                elif did.startswith("did:jwk:"):
                    key = public_key_from_did_jwk(did)
                else:
                    raise OAuthError("invalid_proof", "kid must be a did:key or did:jwk DID URL")
                holder = did
            elif isinstance(jwk, dict):
                if any(m in jwk for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
                    raise OAuthError("invalid_proof", "the jwk holds private key material")
                key = PublicKey.from_jwk(jwk)
                holder = did_jwk(key)
            else:
                raise OAuthError("invalid_proof", "kid must be a string, jwk an object")
            if alg != key.jws_alg and not (alg == "Ed25519" and key.jws_alg == "EdDSA"):
                raise OAuthError("invalid_proof", f"alg {alg} does not fit the proof's key")
            signing_input, _, signature = token.strip().rpartition(".")
            key.verify(b64url_decode(signature), signing_input.encode("ascii"))
        except OAuthError:
            raise
        except LerkitError as exc:
            raise OAuthError("invalid_proof", f"the proof does not verify: {exc.message}") from exc
        except (ValueError, TypeError) as exc:
            raise OAuthError("invalid_proof", f"the proof does not verify: {exc}") from exc
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if issuer not in audiences:
            raise OAuthError("invalid_proof", f"the proof's aud must be {issuer}")
        issued_at = payload.get("iat")
        if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
            raise OAuthError("invalid_proof", "the proof needs a numeric iat")
        try:
            when = datetime.fromtimestamp(issued_at, now.tzinfo)
        except (OverflowError, OSError, ValueError) as exc:
            raise OAuthError("invalid_proof", "the proof's iat is out of range") from exc
        if when > now + CLOCK_SKEW or when < now - PROOF_MAX_AGE:
            raise OAuthError("invalid_proof", "the proof's iat is not fresh")
        nonce = payload.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise OAuthError("invalid_nonce", "the proof needs a c_nonce from the nonce endpoint")
        return _Proof(holder=holder, nonce=nonce)

    @staticmethod
    def _use_nonces(
        session: Session, organization_id: int, nonces: set[str], now: datetime
    ) -> None:
        for nonce in nonces:
            row = session.scalars(
                select(CNonce).where(
                    CNonce.nonce_hash == _hash(nonce), CNonce.organization_id == organization_id
                )
            ).first()
            used = None
            if row is not None and row.used_at is None and row.expires_at > now:
                used = session.execute(
                    update(CNonce)
                    .where(CNonce.id == row.id, CNonce.used_at.is_(None))
                    .values(used_at=now)
                    .execution_options(synchronize_session=False)
                )
            if used is None or getattr(used, "rowcount", 1) != 1:
                raise OAuthError(
                    "invalid_nonce", "the proof's nonce is not a valid c_nonce: get a new one"
                )
