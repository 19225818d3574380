"""Web sign-in sessions, CSRF tokens and the TOTP second factor of holders.

Sessions: the cookie holds ``<public_id>.<secret>``; the row keeps SHA-256 of the secret and
an expiry (``SESSION_HOURS``). The CSRF token of a session is an HMAC of its secret, so it is
never stored and cannot be guessed without the cookie; the API and pages ask for it on every
unsafe request authenticated by the cookie (bearer-token requests need none).

TOTP (RFC 6238, SHA-1, 6 digits, 30 s — what authenticator apps expect): the secret is
envelope-encrypted like keys; enrolment gives an ``otpauth://`` URI (and its QR code as
SVG) plus ten one-time recovery codes (only their SHA-256 is kept). A code is accepted
within ±1 step, and never twice (``last_counter``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import segno
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lerkit.core.errors import ProblemCode
from lerkit.db.models_wallet import Holder, HolderSession, HolderTotp
from lerkit.services.context import Clock, Entropy
from lerkit.services.errors import AuthenticationError, ConflictError, ValidationError
from lerkit.services.interfaces import KeyStore, SealedKey
from lerkit.services.wallet.accounts import HOLDER_KEYSTORE_ORG, HolderPrincipal

SESSION_HOURS = 12
TOTP_STEP = 30
TOTP_DIGITS = 6
RECOVERY_CODES = 10
ISSUER_LABEL = "lerkit wallet"


@dataclass(frozen=True)
class NewSession:
    public_id: str
    cookie: str = field(repr=False)
    csrf_token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class Enrolment:
    uri: str = field(repr=False)
    secret: str = field(repr=False)  # base32, for typing into an app
    qr_svg: str = field(repr=False)
    recovery_codes: list[str] = field(repr=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def csrf_for(secret: str) -> str:
    return hmac.new(secret.encode("ascii"), b"lerkit-wallet-csrf", hashlib.sha256).hexdigest()


class SecondFactorRequired(AuthenticationError):
    default_code = ProblemCode.WALLET_SECOND_FACTOR_REQUIRED


class SecondFactorInvalid(AuthenticationError):
    default_code = ProblemCode.WALLET_SECOND_FACTOR_INVALID


class SignIn:
    def __init__(self, keystore: KeyStore, clock: Clock, entropy: Entropy) -> None:
        self._keystore = keystore
        self._clock = clock
        self._entropy = entropy

    # -- sessions
    def open_session(self, session: Session, holder: Holder) -> NewSession:
        public_id = self._entropy(12).hex()
        secret = base64.urlsafe_b64encode(self._entropy(32)).decode("ascii").rstrip("=")
        now = self._clock()
        expires = now + timedelta(hours=SESSION_HOURS)
        session.execute(
            delete(HolderSession).where(
                HolderSession.holder_id == holder.id, HolderSession.expires_at <= now
            )
        )
        session.add(
            HolderSession(
                holder_id=holder.id,
                public_id=public_id,
                secret_hash=_sha256(secret),
                created_at=now,
                expires_at=expires,
            )
        )
        session.flush()
        return NewSession(public_id, f"{public_id}.{secret}", csrf_for(secret), expires)

    def authenticate_cookie(self, session: Session, cookie: str) -> tuple[HolderPrincipal, str]:
        """The holder of a session cookie and the session's CSRF token."""
        public_id, _, secret = cookie.partition(".")
        if not public_id or not secret or len(cookie) > 200:
            raise AuthenticationError("the session is not valid")
        row = session.scalar(select(HolderSession).where(HolderSession.public_id == public_id))
        if (
            row is None
            or not hmac.compare_digest(row.secret_hash, _sha256(secret))
            or row.expires_at <= self._clock()
        ):
            raise AuthenticationError("the session has expired: sign in again")
        holder = session.get(Holder, row.holder_id)
        if holder is None:
            raise AuthenticationError("the session is not valid")
        return HolderPrincipal(holder.id, holder.public_id), csrf_for(secret)

    def close_session(self, session: Session, cookie: str) -> None:
        public_id = cookie.partition(".")[0]
        session.execute(delete(HolderSession).where(HolderSession.public_id == public_id))

    # -- TOTP
    def _row(self, session: Session, holder_id: int) -> HolderTotp | None:
        return session.scalar(select(HolderTotp).where(HolderTotp.holder_id == holder_id))

    def has_second_factor(self, session: Session, holder_id: int) -> bool:
        row = self._row(session, holder_id)
        return row is not None and row.confirmed_at is not None

    def _totp(self, holder: Holder, row: HolderTotp) -> TOTP:
        secret = self._keystore.open(
            HOLDER_KEYSTORE_ORG,
            f"holder/{holder.public_id}/totp",
            SealedKey(row.encrypted_secret, row.wrapped_data_key, row.master_key_id),
        )
        return TOTP(secret, TOTP_DIGITS, SHA1(), TOTP_STEP, enforce_key_length=False)  # noqa: S303 — RFC 6238 apps use SHA-1

    def enrol(self, session: Session, holder: Holder) -> Enrolment:
        """Start (or restart) enrolment; active only after :meth:`confirm`."""
        existing = self._row(session, holder.id)
        if existing is not None and existing.confirmed_at is not None:
            raise ConflictError("a second factor is already active: remove it first")
        secret = self._entropy(20)
        sealed = self._keystore.seal(HOLDER_KEYSTORE_ORG, f"holder/{holder.public_id}/totp", secret)
        codes = [self._entropy(5).hex() for _ in range(RECOVERY_CODES)]
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(
            HolderTotp(
                holder_id=holder.id,
                encrypted_secret=sealed.encrypted_private,
                wrapped_data_key=sealed.wrapped_data_key,
                master_key_id=sealed.master_key_id,
                recovery_hashes=[_sha256(c) for c in codes],
                last_counter=0,
                created_at=self._clock(),
            )
        )
        session.flush()
        totp = TOTP(secret, TOTP_DIGITS, SHA1(), TOTP_STEP, enforce_key_length=False)  # noqa: S303 — RFC 6238 apps use SHA-1
        uri = totp.get_provisioning_uri(holder.email, ISSUER_LABEL)
        out = io.BytesIO()
        segno.make(uri, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False)
        return Enrolment(
            uri,
            base64.b32encode(secret).decode("ascii").rstrip("="),
            out.getvalue().decode("utf-8"),
            codes,
        )

    def pending_enrolment(self, session: Session, holder: Holder) -> Enrolment | None:
        """The enrolment started and not confirmed yet (its QR code again, without the
        recovery codes, which were shown once), or None."""
        row = self._row(session, holder.id)
        if row is None or row.confirmed_at is not None:
            return None
        totp = self._totp(holder, row)
        uri = totp.get_provisioning_uri(holder.email, ISSUER_LABEL)
        secret = self._keystore.open(
            HOLDER_KEYSTORE_ORG,
            f"holder/{holder.public_id}/totp",
            SealedKey(row.encrypted_secret, row.wrapped_data_key, row.master_key_id),
        )
        out = io.BytesIO()
        segno.make(uri, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False)
        return Enrolment(
            uri, base64.b32encode(secret).decode("ascii").rstrip("="), out.getvalue().decode(), []
        )

    def confirm(self, session: Session, holder: Holder, code: str) -> None:
        row = self._row(session, holder.id)
        if row is None:
            raise ValidationError("start the enrolment first")
        if not self._check_code(holder, row, code):
            raise ValidationError(
                "the code is wrong or expired: check the time of your device",
                [{"field": "code", "message": "wrong code"}],
                code=ProblemCode.WALLET_SECOND_FACTOR_INVALID,
            )
        row.confirmed_at = self._clock()

    def remove(self, session: Session, holder: Holder) -> None:
        row = self._row(session, holder.id)
        if row is not None:
            session.delete(row)

    def check_second_factor(self, session: Session, holder: Holder, code: str | None) -> None:
        """Nothing when the holder has no active second factor or ``code`` (a TOTP code or
        an unused recovery code) is right; SecondFactorRequired / SecondFactorInvalid."""
        row = self._row(session, holder.id)
        if row is None or row.confirmed_at is None:
            return
        if not code:
            raise SecondFactorRequired("enter the code of your authenticator app")
        if self._check_code(holder, row, code):
            return
        digest = _sha256(code.strip().lower())
        if digest in row.recovery_hashes:
            row.recovery_hashes = [h for h in row.recovery_hashes if h != digest]
            return
        raise SecondFactorInvalid("the code is wrong, expired or already used")

    def _check_code(self, holder: Holder, row: HolderTotp, code: str) -> bool:
        code = code.strip().replace(" ", "")
        if len(code) != TOTP_DIGITS or not code.isdigit():
            return False
        totp = self._totp(holder, row)
        now = int(self._clock().timestamp())
        for drift in (0, -1, 1):
            at = now + drift * TOTP_STEP
            counter = at // TOTP_STEP
            if counter <= row.last_counter:
                continue
            try:
                totp.verify(code.encode("ascii"), at)
            except InvalidToken:
                continue
            row.last_counter = counter
            return True
        return False
