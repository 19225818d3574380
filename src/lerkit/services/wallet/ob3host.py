"""The Open Badges 3.0 REST API as a host (1EdTech OB 3.0 §6 and its security framework), so
that a third-party issuer can push credentials into a holder's wallet and read them back.

OAuth 2.0 pieces: dynamic client registration (RFC 7591, no initial access token), the
authorization code grant with PKCE S256 only (RFC 7636; ``plain`` and no PKCE are refused),
``state`` required, single-use codes valid 10 minutes (a reused code also revokes what it
gave), bearer access tokens (1 hour) with rotating refresh tokens (RFC 6749 §6), and token
revocation (RFC 7009). Client secrets, codes and tokens are stored as SHA-256 digests only.

Each authorization the holder approves writes an ongoing ``ob3_api`` consent (recipient: the
client's name and URI; purpose: the scopes); withdrawing it revokes the client's tokens.

Errors: :class:`OAuthError` (RFC 6749 ``{"error", "error_description"}``), and for the
resource endpoints :class:`Ob3Error`, which the edge answers as ``Imsx_StatusInfo``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.db.models_sharing import HolderProfile, OAuthClient, OAuthCode, OAuthGrant
from lerkit.db.models_wallet import ConsentRecord, Holder, HolderKey, WalletCredential
from lerkit.services.context import Clock, Entropy
from lerkit.services.verification import Verifier
from lerkit.services.wallet.consent import ConsentLedger

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
SCOPE_READ = SCOPE_BASE + "credential.readonly"
SCOPE_UPSERT = SCOPE_BASE + "credential.upsert"
SCOPE_PROFILE_READ = SCOPE_BASE + "profile.readonly"
SCOPE_PROFILE_UPDATE = SCOPE_BASE + "profile.update"
SCOPES = {
    SCOPE_READ: "Read your Open Badges credentials",
    SCOPE_UPSERT: "Add or update Open Badges credentials in your wallet",
    SCOPE_PROFILE_READ: "Read your profile",
    SCOPE_PROFILE_UPDATE: "Update your profile",
}
OFFLINE = "offline_access"
CODE_TTL = timedelta(minutes=10)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=90)
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
REQUIRED_METADATA = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "redirect_uris",
    "scope",
)
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_OB_TYPES = ("AchievementCredential", "OpenBadgeCredential")

Store = Callable[[Session, int, str, str], WalletCredential]
"""``store(session, holder_id, document, source)``: verify and keep a received credential
(the wallet's ``store_received``)."""


class OAuthError(Exception):
    """An RFC 6749 error: ``error`` code, description, HTTP status; ``redirect`` when the
    error goes back to the client's redirect URI (the client and redirect URI were valid)."""

    def __init__(
        self, error: str, description: str, status: int = 400, *, redirect: bool = False
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.redirect = redirect


class ReplayedCode(OAuthError):
    """An authorization code used twice: refuse, and revoke the tokens it gave
    (:meth:`Ob3Host.revoke_consent_grants` with ``consent_id``)."""

    def __init__(self, consent_id: str) -> None:
        super().__init__("invalid_grant", "the authorization code was already used")
        self.consent_id = consent_id


class Ob3Error(Exception):
    """A resource-endpoint error, answered as Imsx_StatusInfo."""

    def __init__(self, status: int, description: str, code_minor: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.code_minor = code_minor


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _https(url: Any) -> bool:
    if not isinstance(url, str) or len(url) > 2000:
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and not parts.fragment


def _scopes(text: str) -> list[str]:
    return [s for s in text.split(" ") if s]


@dataclass(frozen=True)
class Registered:
    client: OAuthClient
    secret: str

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client.client_id,
            "client_secret": self.secret,
            "client_id_issued_at": int(self.client.created_at.timestamp()),
            "client_secret_expires_at": 0,
            **self.client.metadata_,
        }


@dataclass(frozen=True)
class AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    scope: list[str]
    state: str
    code_challenge: str


@dataclass(frozen=True)
class BearerGrant:
    holder_id: int
    scopes: frozenset[str]
    client_id: str


class Ob3Host:
    def __init__(
        self,
        ledger: ConsentLedger,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
        store: Store,
        verifier: Callable[[], Verifier],
    ) -> None:
        self._verifier = verifier
        self._ledger = ledger
        self._clock = clock
        self._entropy = entropy
        self.public_url = public_url.rstrip("/")
        self._store = store
        ledger.on_withdraw("ob3_api", self._consent_withdrawn)

    # ------------------------------------------------------------------ registration
    def register(self, session: Session, metadata: Any) -> Registered:
        if not isinstance(metadata, dict):
            raise OAuthError("invalid_client_metadata", "the body must be a JSON object")
        missing = [k for k in REQUIRED_METADATA if k != "redirect_uris" and not metadata.get(k)]
        if missing:
            raise OAuthError("invalid_client_metadata", f"missing: {', '.join(missing)}")
        for key in REQUIRED_METADATA[:7]:
            if not isinstance(metadata[key], str) or len(metadata[key]) > 2000:
                raise OAuthError("invalid_client_metadata", f"{key} must be a string")
        for key in ("client_uri", "logo_uri", "tos_uri", "policy_uri"):
            if not _https(metadata[key]):
                raise OAuthError("invalid_client_metadata", f"{key} must be an https URL")
        redirects = metadata["redirect_uris"]
        if not isinstance(redirects, list) or not redirects or len(redirects) > 10:
            raise OAuthError("invalid_redirect_uri", "redirect_uris: 1 to 10 https URLs")
        host = urlsplit(metadata["client_uri"]).hostname
        for uri in redirects:
            if not _https(uri):
                raise OAuthError("invalid_redirect_uri", "each redirect URI must be an https URL")
            if urlsplit(uri).hostname != host:
                raise OAuthError(
                    "invalid_redirect_uri", "redirect URIs must be on the host of client_uri"
                )
        scope = metadata["scope"]
        if not isinstance(scope, str):
            raise OAuthError("invalid_client_metadata", "scope must be a space-separated string")
        unknown = [s for s in _scopes(scope) if s not in SCOPES and s != OFFLINE]
        if unknown or not _scopes(scope):
            raise OAuthError("invalid_client_metadata", f"unknown scope: {unknown[:1]}")
        method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
        if method not in ("client_secret_basic", "client_secret_post"):
            raise OAuthError(
                "invalid_client_metadata", "token_endpoint_auth_method: client_secret_basic"
            )
        grants = metadata.get("grant_types", ["authorization_code", "refresh_token"])
        if not isinstance(grants, list) or not set(grants) <= {
            "authorization_code",
            "refresh_token",
        }:
            raise OAuthError(
                "invalid_client_metadata", "grant_types: authorization_code, refresh_token"
            )
        responses = metadata.get("response_types", ["code"])
        if responses != ["code"]:
            raise OAuthError("invalid_client_metadata", "response_types: code")
        contacts = metadata.get("contacts", [])
        if not isinstance(contacts, list) or not all(
            isinstance(c, str) and len(c) <= 320 for c in contacts
        ):
            raise OAuthError("invalid_client_metadata", "contacts must be a list of strings")
        kept = {k: metadata[k] for k in REQUIRED_METADATA}
        kept |= {
            "token_endpoint_auth_method": method,
            "grant_types": grants,
            "response_types": responses,
        }
        if contacts:
            kept["contacts"] = contacts
        secret = b64url_encode(self._entropy(32))
        client = OAuthClient(
            client_id=b64url_encode(self._entropy(18)),
            secret_hash=_sha256(secret),
            client_name=metadata["client_name"][:200],
            metadata_=kept,
            redirect_uris=list(redirects),
            scope=" ".join(_scopes(scope))[:1000],
            created_at=self._clock(),
        )
        session.add(client)
        session.flush()
        return Registered(client, secret)

    def _client(self, session: Session, client_id: str) -> OAuthClient | None:
        if not isinstance(client_id, str) or len(client_id) > 64:
            return None
        return session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def authenticate_client(self, session: Session, client_id: str, secret: str) -> OAuthClient:
        client = self._client(session, client_id)
        if client is None or not hmac.compare_digest(client.secret_hash, _sha256(secret)):
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return client

    # ------------------------------------------------------------------ authorization
    def check_authorization(self, session: Session, params: dict[str, str]) -> AuthorizationRequest:
        """The request behind ``GET /oauth/authorize``; OAuthError(redirect=False) when the
        client or redirect URI is wrong (never redirect there), redirect=True otherwise."""
        client = self._client(session, params.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", "unknown client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri is not one the client registered")
        state = params.get("state", "")
        if not state or len(state) > 500:
            raise OAuthError("invalid_request", "state is required", redirect=True)
        if params.get("response_type") != "code":
            raise OAuthError(
                "unsupported_response_type", "response_type must be code", redirect=True
            )
        if params.get("code_challenge_method") != "S256":
            raise OAuthError(
                "invalid_request", "PKCE with code_challenge_method=S256 is required", redirect=True
            )
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.match(challenge):
            raise OAuthError(
                "invalid_request", "code_challenge is missing or malformed", redirect=True
            )
        asked = _scopes(params.get("scope", ""))
        allowed = set(_scopes(client.scope))
        if not asked or not set(asked) <= allowed:
            raise OAuthError(
                "invalid_scope", "scope must be among the client's registered scopes", redirect=True
            )
        return AuthorizationRequest(
            client, redirect_uri, list(dict.fromkeys(asked)), state, challenge
        )

    def approve(self, session: Session, holder_id: int, request: AuthorizationRequest) -> str:
        """The holder said yes: a single-use code (and an ongoing consent)."""
        client = request.client
        consent = self._ledger.record(
            session,
            holder_id,
            kind="ob3_api",
            recipient=f"{client.client_name} ({client.metadata_.get('client_uri', '')})",
            purpose="Open Badges API access: "
            + " ".join(s.rsplit("/", 1)[-1] for s in request.scope),
            disclosed=[{"credential": "*", "fields": list(request.scope)}],
            reference=client.client_id,
            ongoing=True,
        )
        code = b64url_encode(self._entropy(32))
        now = self._clock()
        session.add(
            OAuthCode(
                code_hash=_sha256(code),
                client_pk=client.id,
                holder_id=holder_id,
                redirect_uri=request.redirect_uri,
                scope=" ".join(request.scope),
                code_challenge=request.code_challenge,
                consent_id=consent.public_id,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
        session.flush()
        return code

    # ------------------------------------------------------------------ tokens
    def token(self, session: Session, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(session, client, form)
        if grant_type == "refresh_token":
            return self._refresh(session, client, form)
        raise OAuthError(
            "unsupported_grant_type", "grant_type: authorization_code or refresh_token"
        )

    def _exchange_code(
        self, session: Session, client: OAuthClient, form: dict[str, str]
    ) -> dict[str, Any]:
        code = form.get("code", "")
        row = session.scalar(select(OAuthCode).where(OAuthCode.code_hash == _sha256(code)))
        now = self._clock()
        if row is None or row.client_pk != client.id:
            raise OAuthError("invalid_grant", "unknown authorization code")
        if row.used_at is not None:
            # a replayed code: the caller revokes what it gave (RFC 6749 §4.1.2) in a unit
            # of work of its own (this one rolls back with the error)
            raise ReplayedCode(row.consent_id)
        if row.expires_at <= now:
            raise OAuthError("invalid_grant", "the authorization code has expired")
        if form.get("redirect_uri") != row.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.match(verifier):
            raise OAuthError("invalid_grant", "code_verifier is missing or malformed")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
        if not hmac.compare_digest(digest.rstrip(b"=").decode("ascii"), row.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        row.used_at = now
        if not self._ledger.is_active(session, "ob3_api", client.client_id) or not self._consent_ok(
            session, row.consent_id
        ):
            raise OAuthError("invalid_grant", "the holder withdrew this authorization")
        return self._issue(session, client, row.holder_id, row.scope, row.consent_id)

    def _consent_ok(self, session: Session, consent_id: str) -> bool:
        record = session.scalar(select(ConsentRecord).where(ConsentRecord.public_id == consent_id))
        return record is not None and record.withdrawn_at is None

    def _refresh(
        self, session: Session, client: OAuthClient, form: dict[str, str]
    ) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        grant = session.scalar(select(OAuthGrant).where(OAuthGrant.refresh_hash == _sha256(token)))
        now = self._clock()
        if (
            grant is None
            or grant.client_pk != client.id
            or grant.revoked_at is not None
            or grant.refresh_expires_at <= now
            or not self._consent_ok(session, grant.consent_id)
        ):
            raise OAuthError("invalid_grant", "the refresh token is not valid")
        scope = grant.scope
        if form.get("scope"):
            asked = _scopes(form["scope"])
            if not set(asked) <= set(_scopes(grant.scope)):
                raise OAuthError("invalid_scope", "a refresh cannot widen the scope")
            scope = " ".join(asked)
        grant.revoked_at = now  # rotation: the old pair stops working
        return self._issue(session, client, grant.holder_id, scope, grant.consent_id)

    def _issue(
        self, session: Session, client: OAuthClient, holder_id: int, scope: str, consent_id: str
    ) -> dict[str, Any]:
        access = b64url_encode(self._entropy(32))
        refresh = b64url_encode(self._entropy(32))
        now = self._clock()
        session.add(
            OAuthGrant(
                client_pk=client.id,
                holder_id=holder_id,
                access_hash=_sha256(access),
                refresh_hash=_sha256(refresh),
                scope=scope,
                consent_id=consent_id,
                created_at=now,
                access_expires_at=now + ACCESS_TTL,
                refresh_expires_at=now + REFRESH_TTL,
            )
        )
        session.flush()
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "refresh_token": refresh,
            "scope": scope,
        }

    def revoke(self, session: Session, client: OAuthClient, token: str) -> None:
        """RFC 7009: revoke the grant of an access or refresh token of this client; unknown
        tokens are not an error."""
        digest = _sha256(token)
        grant = session.scalar(
            select(OAuthGrant).where(
                (OAuthGrant.access_hash == digest) | (OAuthGrant.refresh_hash == digest)
            )
        )
        if grant is not None and grant.client_pk == client.id and grant.revoked_at is None:
            grant.revoked_at = self._clock()

    def _consent_withdrawn(self, session: Session, record: ConsentRecord) -> None:
        self.revoke_consent_grants(session, record.public_id)

    def revoke_consent_grants(self, session: Session, consent_id: str) -> None:
        now = self._clock()
        for grant in session.scalars(select(OAuthGrant).where(OAuthGrant.consent_id == consent_id)):
            grant.revoked_at = grant.revoked_at or now

    def bearer(self, session: Session, token: str, scope: str) -> BearerGrant:
        """The grant of an access token that has ``scope``; Ob3Error 401/403 otherwise."""
        grant = session.scalar(select(OAuthGrant).where(OAuthGrant.access_hash == _sha256(token)))
        now = self._clock()
        if (
            grant is None
            or grant.revoked_at is not None
            or grant.access_expires_at <= now
            or not self._consent_ok(session, grant.consent_id)
        ):
            raise Ob3Error(401, "the access token is not valid", "unauthorizedrequest")
        scopes = frozenset(_scopes(grant.scope))
        if scope not in scopes:
            raise Ob3Error(403, f"this needs the scope {scope}", "forbidden")
        client = session.get(OAuthClient, grant.client_pk)
        return BearerGrant(grant.holder_id, scopes, client.client_id if client else "")

    # ------------------------------------------------------------------ resources
    def credentials(
        self, session: Session, holder_id: int, *, limit: int, offset: int, since: datetime | None
    ) -> tuple[list[dict[str, Any] | str], int]:
        """The holder's Open Badges credentials (JSON, or compact JWS strings), oldest first,
        and the total count."""
        query = (
            select(WalletCredential)
            .where(
                WalletCredential.holder_id == holder_id,
                WalletCredential.format.in_(("ldp_vc", "jwt_vc")),
            )
            .order_by(WalletCredential.received_at, WalletCredential.id)
        )
        if since is not None:
            query = query.where(WalletCredential.received_at >= since)
        found: list[dict[str, Any] | str] = []
        for row in session.scalars(query):
            value = _parse(row.document)
            if value is not None and _is_open_badge(value):
                found.append(value)
        return found[offset : offset + limit], len(found)

    def upsert(
        self, session: Session, holder_id: int, body: str
    ) -> tuple[int, dict[str, Any] | str]:
        """Keep a credential pushed by an issuer: 201 new, 200 when it replaced (or equals)
        the holder's credential with the same id."""
        value = _parse(body)
        if value is None:
            raise Ob3Error(
                400,
                "the body is neither an OB 3.0 credential (JSON) nor a compact JWS",
                "invalid_data",
            )
        if not _is_open_badge(value):
            raise Ob3Error(
                400,
                "the credential is not an Open Badges 3.0 AchievementCredential",
                "invalid_data",
            )
        report = self._verifier().verify_credential(value)
        if str(report.verdict) == "invalid":
            raise Ob3Error(
                400,
                "the credential does not verify: " + ", ".join(report.codes),
                "invalid_data",
            )
        credential_id = _credential_id(value)
        document = body.strip()
        existing = None
        if credential_id:
            existing = session.scalar(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder_id,
                    WalletCredential.credential_id == credential_id,
                )
            )
        try:
            row = self._store(session, holder_id, document, "ob3-api")
        except Exception as exc:  # the wallet's own validation errors: 400 for the issuer
            status = getattr(exc, "status", None)
            if isinstance(status, int) and 400 <= status < 500:
                raise Ob3Error(400, str(exc)[:500], "invalid_data") from exc
            raise
        if existing is not None and existing.id != row.id:
            session.delete(existing)
            session.flush()
        return (200 if existing is not None else 201), value

    def profile(self, session: Session, holder_id: int) -> dict[str, Any]:
        row = session.scalar(select(HolderProfile).where(HolderProfile.holder_id == holder_id))
        if row is not None:
            return dict(row.profile)
        holder = session.get(Holder, holder_id)
        key = session.scalar(
            select(HolderKey).where(HolderKey.holder_id == holder_id, HolderKey.is_default)
        )
        profile: dict[str, Any] = {
            "@context": [OB3_CONTEXT],
            "id": key.did
            if key
            else f"{self.public_url}/holders/{holder.public_id if holder else ''}",
            "type": "Profile",
        }
        if holder is not None:
            profile["name"] = holder.display_name
        return profile

    def put_profile(self, session: Session, holder_id: int, profile: Any) -> dict[str, Any]:
        if not isinstance(profile, dict):
            raise Ob3Error(400, "the profile must be a JSON object", "invalid_data")
        types = profile.get("type")
        types = types if isinstance(types, list) else [types]
        if "Profile" not in types or not isinstance(profile.get("id"), str):
            raise Ob3Error(
                400, "a Profile needs an id and a type including Profile", "invalid_data"
            )
        if len(json.dumps(profile)) > 64_000:
            raise Ob3Error(400, "the profile is too large", "invalid_data")
        row = session.scalar(select(HolderProfile).where(HolderProfile.holder_id == holder_id))
        now = self._clock()
        if row is None:
            session.add(HolderProfile(holder_id=holder_id, profile=profile, updated_at=now))
        else:
            row.profile = profile
            row.updated_at = now
        session.flush()
        return profile


def _parse(text: str) -> dict[str, Any] | str | None:
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    if re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", text):
        return text
    return None


def _jws_payload(token: str) -> dict[str, Any]:
    try:
        payload = json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        return {}
    if not isinstance(payload, dict):
        return {}
    vc = payload.get("vc")
    return vc if isinstance(vc, dict) else payload


def _is_open_badge(value: dict[str, Any] | str) -> bool:
    doc = _jws_payload(value) if isinstance(value, str) else value
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    return any(t in _OB_TYPES for t in types)


def _credential_id(value: dict[str, Any] | str) -> str | None:
    if isinstance(value, str):
        try:
            payload = json.loads(b64url_decode(value.split(".")[1]))
        except (ValueError, IndexError):
            return None
        if isinstance(payload, dict):
            inner = payload.get("vc")
            vc: dict[str, Any] = inner if isinstance(inner, dict) else payload
            found = vc.get("id") or payload.get("jti")
            return found if isinstance(found, str) else None
        return None
    found = value.get("id")
    return found if isinstance(found, str) else None
