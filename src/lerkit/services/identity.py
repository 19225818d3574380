"""Issuer identity: DIDs, DID documents and signing keys of organizations.

did:web identifiers derive from ``LERKIT_PUBLIC_URL``: the instance is ``did:web:<host>``
(``/.well-known/did.json``), each organization ``did:web:<host>:orgs:<slug>``
(``/orgs/<slug>/did.json``; a port is written ``%3A<port>`` after the host). did:web is
always resolved over https; a public URL with ``http://`` (development) yields the same
DID, which lerkit's own verifier resolves locally. A did:web needs a domain name: an IP
address in the public URL (the default ``127.0.0.1``) cannot carry one — use
``localhost`` or a real name, or did:key.

Signing keys are Ed25519 by default, stored sealed by the :class:`KeyStore`. Rotation makes
a new key ``key-<N+1>`` active and retires the old one; retired public keys stay in the DID
document under ``assertionMethod`` so credentials signed earlier keep verifying (only the
active key is listed under ``authentication``). A did:key organization cannot rotate: its
only key *is* its identifier, and a new key would be a new issuer. Such organizations are
refused with a ConflictError that suggests did:web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lerkit.core.dids.base import DID_CONTEXT, MULTIKEY_CONTEXT
from lerkit.core.dids.key import did_key, resolve_did_key
from lerkit.core.dids.web import url_to_did_web
from lerkit.core.errors import InputError
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.types import JsonObject
from lerkit.db.models import IssuedCredential, Organization, SigningKey
from lerkit.services.audit import AuditLog
from lerkit.services.context import Actor, Clock, Entropy
from lerkit.services.errors import ConflictError, NotFoundError, ValidationError
from lerkit.services.interfaces import KeyStore, SealedKey

KEYS_MANAGE = "keys:manage"
DID_METHODS = ("web", "key")


def _https_base(public_url: str) -> str:
    parts = urlsplit(public_url)
    return urlunsplit(("https", parts.netloc, parts.path.rstrip("/"), "", ""))


def instance_did(public_url: str) -> str:
    """``did:web:<host>`` of the instance (served at ``/.well-known/did.json``)."""
    parts = urlsplit(public_url)
    if parts.path.strip("/"):
        # a path prefix: the DID is the prefix itself, served at <prefix>/did.json
        return _did_web(_https_base(public_url) + "/did.json")
    return _did_web(_https_base(public_url) + "/.well-known/did.json")


def organization_did_web(public_url: str, slug: str) -> str:
    """``did:web:<host>[%3A<port>]:orgs:<slug>`` (served at ``/orgs/<slug>/did.json``)."""
    return _did_web(f"{_https_base(public_url)}/orgs/{slug}/did.json")


def organization_did_url(public_url: str, slug: str) -> str:
    """Where lerkit serves an organization's DID document (under the public URL)."""
    return f"{public_url.rstrip('/')}/orgs/{slug}/did.json"


def _did_web(url: str) -> str:
    try:
        return url_to_did_web(url)
    except InputError as exc:
        raise ValidationError(
            f"cannot make a did:web from LERKIT_PUBLIC_URL: {exc.message}; set "
            "LERKIT_PUBLIC_URL to a domain name (e.g. http://localhost:8000) or use did:key",
            [{"field": "did_method", "message": "did:web needs a domain name in the public URL"}],
        ) from exc


@dataclass(frozen=True)
class SigningKeyInfo:
    """What may be shown of a signing key: never the private part."""

    key_id: str
    verification_method: str
    key_type: str
    public_key_multibase: str
    status: str  # active | retired
    created_at: datetime
    retired_at: datetime | None
    live_credentials: int  # credentials signed with it and not revoked

    def to_json(self) -> JsonObject:
        return {
            "keyId": self.key_id,
            "verificationMethod": self.verification_method,
            "type": self.key_type,
            "publicKeyMultibase": self.public_key_multibase,
            "status": self.status,
            "createdAt": self.created_at.isoformat(),
            "retiredAt": self.retired_at.isoformat() if self.retired_at else None,
            "liveCredentials": self.live_credentials,
        }


def verification_method_of(org: Organization, key: SigningKey) -> str:
    """The DID URL of ``key``: ``<did>#key-N`` (did:web), ``<did>#<multikey>`` (did:key)."""
    if org.did_method == "key":
        return f"{org.did}#{key.public_multikey}"
    return f"{org.did}#{key.key_id}"


def _key_number(key_id: str) -> int:
    prefix, _, number = key_id.partition("-")
    return int(number) if prefix == "key" and number.isdigit() else 0


class Identity:
    """DID documents and signing keys. ``public_url`` is ``Settings.public_url``."""

    def __init__(
        self,
        keystore: KeyStore,
        audit: AuditLog,
        clock: Clock,
        entropy: Entropy,
        public_url: str,
    ) -> None:
        self._keystore = keystore
        self._audit = audit
        self._clock = clock
        self._entropy = entropy
        self.public_url = public_url.rstrip("/")

    # ------------------------------------------------------------------ DIDs and documents

    def new_key(self, key_type: KeyType = KeyType.ED25519) -> PrivateKey:
        return PrivateKey.generate(key_type, self._entropy(64))

    def did_for(self, method: str, slug: str, first_key: PrivateKey) -> str:
        if method == "web":
            return organization_did_web(self.public_url, slug)
        if method == "key":
            return did_key(first_key.public_key)
        raise ValidationError(
            f"did_method must be one of {', '.join(DID_METHODS)}, got {method!r}",
            [{"field": "did_method", "message": "web or key"}],
        )

    def instance_did_document(self) -> JsonObject:
        """The instance's own DID document (``/.well-known/did.json``). The instance signs
        nothing itself, so it lists no keys; it links to the site it stands for."""
        did = instance_did(self.public_url)
        return {
            "@context": [DID_CONTEXT],
            "id": did,
            "service": [
                {
                    "id": f"{did}#website",
                    "type": "LinkedDomains",
                    "serviceEndpoint": self.public_url + "/",
                }
            ],
        }

    def did_document(self, session: Session, org: Organization) -> JsonObject:
        """The DID document of ``org``: every key, active and retired, as a Multikey."""
        if org.did_method == "key":
            return resolve_did_key(org.did)
        keys = session.scalars(
            select(SigningKey).where(SigningKey.organization_id == org.id).order_by(SigningKey.id)
        ).all()
        methods: list[JsonObject] = []
        assertion: list[str] = []
        authentication: list[str] = []
        for key in keys:
            vm = verification_method_of(org, key)
            methods.append(
                {
                    "id": vm,
                    "type": "Multikey",
                    "controller": org.did,
                    "publicKeyMultibase": key.public_multikey,
                }
            )
            assertion.append(vm)
            if key.status == "active":
                authentication.append(vm)
        return {
            "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
            "id": org.did,
            "verificationMethod": methods,
            "assertionMethod": assertion,
            "authentication": authentication,
        }

    def did_document_by_slug(self, session: Session, slug: str) -> JsonObject:
        """What ``/orgs/<slug>/did.json`` serves (public). NotFoundError for did:key orgs."""
        org = session.scalars(select(Organization).where(Organization.slug == slug)).first()
        if org is None or org.did_method != "web":
            raise NotFoundError(f"no organization {slug!r} with a did:web here")
        return self.did_document(session, org)

    # ------------------------------------------------------------------ keys

    def add_first_key(self, session: Session, org: Organization, key: PrivateKey) -> SigningKey:
        """Store ``key`` sealed as the organization's first, active key (``key-1``)."""
        return self._store(session, org, key, "key-1")

    def _store(
        self, session: Session, org: Organization, key: PrivateKey, key_id: str
    ) -> SigningKey:
        sealed = self._keystore.seal(org.id, key_id, key.secret_bytes)
        row = SigningKey(
            organization_id=org.id,
            key_id=key_id,
            key_type=str(key.key_type),
            public_multikey=key.public_key.multikey,
            encrypted_private=sealed.encrypted_private,
            wrapped_data_key=sealed.wrapped_data_key,
            master_key_id=sealed.master_key_id,
            status="active",
            created_at=self._clock(),
            retired_at=None,
        )
        session.add(row)
        session.flush()
        return row

    def active_signer(
        self, session: Session, org: Organization
    ) -> tuple[PrivateKey, str, SigningKey]:
        """The active key of ``org`` (decrypted here, never stored), its verification
        method id and its row. For services that have already authorized the caller."""
        row = session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == org.id, SigningKey.status == "active")
            .order_by(SigningKey.id.desc())
        ).first()
        if row is None:
            raise ConflictError(f"organization {org.slug!r} has no active signing key")
        secret = self._keystore.open(
            org.id,
            row.key_id,
            SealedKey(row.encrypted_private, row.wrapped_data_key, row.master_key_id),
        )
        key = PrivateKey.from_secret(KeyType(row.key_type), secret)
        if key.public_key.multikey != row.public_multikey:
            raise ConflictError(f"signing key {row.key_id} does not match its public key")
        return key, verification_method_of(org, row), row

    def _org(self, session: Session, actor: Actor) -> Organization:
        org = session.get(Organization, actor.organization_id)
        if org is None:
            raise NotFoundError("no such organization")
        return org

    def list_keys(self, session: Session, actor: Actor) -> list[SigningKeyInfo]:
        """Every key of the actor's organization, oldest first, with its live credentials."""
        actor.require("viewer")
        org = self._org(session, actor)
        keys = session.scalars(
            select(SigningKey).where(SigningKey.organization_id == org.id).order_by(SigningKey.id)
        ).all()
        rows = session.execute(
            select(IssuedCredential.signing_key_id, func.count(IssuedCredential.id))
            .where(
                IssuedCredential.organization_id == org.id,
                IssuedCredential.revoked_at.is_(None),
                IssuedCredential.signing_key_id.is_not(None),
            )
            .group_by(IssuedCredential.signing_key_id)
        )
        counts: dict[int | None, int] = {key_id: int(n) for key_id, n in rows}
        return [self._info(org, k, counts.get(k.id, 0)) for k in keys]

    def get_key(self, session: Session, actor: Actor, key_id: str) -> SigningKeyInfo:
        actor.require("viewer")
        org = self._org(session, actor)
        row = session.scalars(
            select(SigningKey).where(
                SigningKey.organization_id == org.id, SigningKey.key_id == key_id
            )
        ).first()
        if row is None:
            raise NotFoundError(f"no signing key {key_id!r}")
        live = session.scalar(
            select(func.count(IssuedCredential.id)).where(
                IssuedCredential.organization_id == org.id,
                IssuedCredential.signing_key_id == row.id,
                IssuedCredential.revoked_at.is_(None),
            )
        )
        return self._info(org, row, int(live or 0))

    @staticmethod
    def _info(org: Organization, key: SigningKey, live: int) -> SigningKeyInfo:
        return SigningKeyInfo(
            key_id=key.key_id,
            verification_method=verification_method_of(org, key),
            key_type=key.key_type,
            public_key_multibase=key.public_multikey,
            status=key.status,
            created_at=key.created_at,
            retired_at=key.retired_at,
            live_credentials=live,
        )

    def rotate_signing_key(
        self, session: Session, actor: Actor, key_type: str = "ed25519"
    ) -> SigningKeyInfo:
        """Make a new key active and retire the current one (it stays in the DID document).

        Needs admin and ``keys:manage``. A did:key organization cannot rotate (ConflictError).
        """
        actor.require("admin", KEYS_MANAGE)
        org = self._org(session, actor)
        if org.did_method != "web":
            raise ConflictError(
                "a did:key cannot rotate: its key is its identifier, and a new key would be a "
                "new issuer. Create an organization with a did:web to rotate keys."
            )
        try:
            kt = KeyType.parse(key_type)
        except InputError as exc:
            raise ValidationError(
                exc.message, [{"field": "key_type", "message": "ed25519, p256 or p384"}]
            ) from exc
        # lock the organization's keys (PostgreSQL) so that two rotations do not interleave
        keys = session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == org.id)
            .order_by(SigningKey.id)
            .with_for_update()
        ).all()
        now = self._clock()
        retired = []
        for key in keys:
            if key.status == "active":
                key.status = "retired"
                key.retired_at = now
                retired.append(key.key_id)
        number = max((_key_number(k.key_id) for k in keys), default=0) + 1
        try:
            row = self._store(session, org, self.new_key(kt), f"key-{number}")
        except IntegrityError as exc:  # the unit of work is rolled back by the caller
            raise ConflictError("another key rotation happened at the same time; retry") from exc
        self._audit.record(
            session,
            actor,
            "signing_key.rotated",
            "signing_key",
            row.key_id,
            {
                "retired": retired,
                "keyType": row.key_type,
                "publicKeyMultibase": row.public_multikey,
            },
        )
        return self._info(org, row, 0)


__all__ = [
    "DID_METHODS",
    "KEYS_MANAGE",
    "Identity",
    "SigningKeyInfo",
    "instance_did",
    "organization_did_url",
    "organization_did_web",
    "verification_method_of",
]
