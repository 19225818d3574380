"""Holder accounts: sign-up, passwords (argon2id), API tokens, keys (did:key by default).

A holder token is ``lw_<public_id>_<secret>``: ``public_id`` (24 hex digits) finds the row;
only the SHA-256 of the 32-byte random secret is stored and compared in constant time.
Private keys are envelope-encrypted by the key store, bound to ``holder/<public_id>/<key>``.
Every method takes the caller's session (the edge opens the unit of work).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.core.dids.key import did_key, verification_method_id
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_encode
from lerkit.db.models_wallet import Holder, HolderKey, HolderToken
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import AuthenticationError, ConflictError, ValidationError
from lerkit.services.interfaces import KeyStore, SealedKey

TOKEN_PREFIX = "lw_"  # noqa: S105 — a prefix, not a secret
_TOKEN = re.compile(r"^lw_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
HOLDER_KEYSTORE_ORG = 0  # associated-data namespace of holder keys in the key store
MIN_PASSWORD = 10


@dataclass(frozen=True)
class HolderPrincipal:
    """The authenticated holder of a request."""

    holder_id: int
    public_id: str


@dataclass(frozen=True)
class CreatedToken:
    public_id: str
    token: str = field(repr=False)  # shown once


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class HolderAccounts:
    def __init__(self, keystore: KeyStore, clock: Clock, entropy: Entropy) -> None:
        self._keystore = keystore
        self._clock = clock
        self._entropy = entropy
        self._hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile

    # -- accounts
    def signup(
        self, session: Session, email: str, password: str, display_name: str = "", lang: str = "en"
    ) -> Holder:
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise ValidationError("email is not an email address", [{"field": "email"}])
        if len(password) < MIN_PASSWORD:
            raise ValidationError(
                f"the password must have at least {MIN_PASSWORD} characters",
                [{"field": "password", "message": f"at least {MIN_PASSWORD} characters"}],
            )
        if session.scalar(select(Holder.id).where(Holder.email == email)) is not None:
            raise ConflictError("an account with this email exists")
        holder = Holder(
            public_id=self._entropy(16).hex(),
            email=email,
            display_name=display_name.strip() or email.split("@", 1)[0],
            password_hash=self._hasher.hash(password),
            lang=lang if lang in ("en", "fr") else "en",
            created_at=self._clock(),
        )
        session.add(holder)
        session.flush()
        self.add_key(session, holder, KeyType.ED25519, default=True)
        return holder

    def check_password(self, session: Session, email: str, password: str) -> Holder:
        """The holder with this email and password; AuthenticationError otherwise."""
        holder = session.scalar(select(Holder).where(Holder.email == email.strip().lower()))
        if holder is None:
            self._hasher.hash(password)  # same cost whether or not the account exists
            raise AuthenticationError("wrong email or password")
        try:
            self._hasher.verify(holder.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
            raise AuthenticationError("wrong email or password") from exc
        if self._hasher.check_needs_rehash(holder.password_hash):
            holder.password_hash = self._hasher.hash(password)
        return holder

    def set_password(self, holder: Holder, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")
        holder.password_hash = self._hasher.hash(password)

    # -- API tokens
    def create_token(
        self, session: Session, holder: Holder, name: str, expires_at: datetime | None = None
    ) -> CreatedToken:
        public_id = self._entropy(12).hex()
        secret = b64url_encode(self._entropy(32))
        session.add(
            HolderToken(
                holder_id=holder.id,
                public_id=public_id,
                name=name[:200] or "token",
                secret_hash=_sha256(secret),
                created_at=self._clock(),
                expires_at=expires_at,
            )
        )
        session.flush()
        return CreatedToken(public_id, f"{TOKEN_PREFIX}{public_id}_{secret}")

    def authenticate_token(self, session: Session, token: str) -> HolderPrincipal:
        match = _TOKEN.match(token)
        if match is None:
            raise AuthenticationError("the holder token is not valid")
        row = session.scalar(select(HolderToken).where(HolderToken.public_id == match[1]))
        now = self._clock()
        if (
            row is None
            or not hmac.compare_digest(row.secret_hash, _sha256(match[2]))
            or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
        ):
            raise AuthenticationError("the holder token is not valid")
        holder = session.get(Holder, row.holder_id)
        if holder is None:
            raise AuthenticationError("the holder token is not valid")
        return HolderPrincipal(holder.id, holder.public_id)

    # -- keys
    def add_key(
        self, session: Session, holder: Holder, key_type: KeyType, *, default: bool = False
    ) -> HolderKey:
        key = PrivateKey.generate(key_type, self._entropy(32))
        did = did_key(key.public_key)
        public_id = self._entropy(16).hex()
        sealed = self._keystore.seal(
            HOLDER_KEYSTORE_ORG, _aad_key_id(holder.public_id, public_id), key.secret_bytes
        )
        if default:
            for other in session.scalars(select(HolderKey).where(HolderKey.holder_id == holder.id)):
                other.is_default = False
        row = HolderKey(
            holder_id=holder.id,
            public_id=public_id,
            did=did,
            verification_method=verification_method_id(key.public_key),
            key_type=key_type.value,
            public_multikey=key.public_key.multikey,
            encrypted_private=sealed.encrypted_private,
            wrapped_data_key=sealed.wrapped_data_key,
            master_key_id=sealed.master_key_id,
            is_default=default,
            created_at=self._clock(),
        )
        session.add(row)
        session.flush()
        return row

    def default_key(self, session: Session, holder_id: int) -> HolderKey:
        row = session.scalar(
            select(HolderKey).where(HolderKey.holder_id == holder_id, HolderKey.is_default)
        )
        if row is None:
            raise ValidationError("the holder has no default key")
        return row

    def signer(
        self, session: Session, holder_id: int, did: str | None = None
    ) -> tuple[PrivateKey, str]:
        """The holder's private key (default, or the one of ``did``) and its verification
        method id. Decrypted only for the caller's signing call; never logged."""
        if did is None:
            row = self.default_key(session, holder_id)
        else:
            found = session.scalar(
                select(HolderKey).where(HolderKey.holder_id == holder_id, HolderKey.did == did)
            )
            if found is None:
                raise ValidationError(f"{did} is not one of the holder's DIDs")
            row = found
        holder = session.get(Holder, holder_id)
        assert holder is not None
        secret = self._keystore.open(
            HOLDER_KEYSTORE_ORG,
            _aad_key_id(holder.public_id, row.public_id),
            SealedKey(row.encrypted_private, row.wrapped_data_key, row.master_key_id),
        )
        return PrivateKey.from_secret(KeyType(row.key_type), secret), row.verification_method


def _aad_key_id(holder_public_id: str, key_public_id: str) -> str:
    return f"holder/{holder_public_id}/{key_public_id}"
