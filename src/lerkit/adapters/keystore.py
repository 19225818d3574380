"""Envelope encryption of signing keys at rest (implements ``services.interfaces.KeyStore``).

Each private key is encrypted with AES-256-GCM under a fresh 256-bit *data key*; the data
key is wrapped (AES-256-GCM again) by the *master key*. Rows keep the ciphertext, the
wrapped data key and ``master_key_id``, a short non-secret fingerprint of the master key
that wrapped it. Both layers bind ``organization_id`` and ``key_id`` as associated data, so
a sealed key copied onto another row does not open.

Stored layouts (version byte first, so the format can change later)::

    encrypted_private = 0x01 || nonce(12) || AES-GCM(data_key, secret, aad)
    wrapped_data_key  = 0x01 || nonce(12) || AES-GCM(master, data_key, aad || master_key_id)

The master key comes from ``LERKIT_SECRET_KEY`` (32 bytes in base64url or hex; anything
else is taken as a passphrase and stretched with HKDF-SHA256 — use a long random one), or
else from the key file (``LERKIT_SECRET_KEY_FILE``, default ``$LERKIT_DATA_DIR/master.key``),
created with 32 random bytes and mode 0600 on first use. ``LERKIT_OLD_SECRET_KEYS`` lists
retired master keys that can still unwrap; :meth:`EnvelopeKeyStore.rotate_master_key`
re-wraps every data key under the current one, after which the old keys can be dropped.

Secrets never leave this module in the clear except as the return value of ``open``; they
are never logged and never part of a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from lerkit.config import Settings, SettingsError
from lerkit.db.models import SigningKey
from lerkit.services.context import Entropy
from lerkit.services.interfaces import KeyStoreError, SealedKey

log = logging.getLogger(__name__)

VERSION = b"\x01"
NONCE_SIZE = 12
KEY_SIZE = 32
_HKDF_SALT = b"lerkit master key from passphrase v1"
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]{43}=?$")


class MasterKey:
    """A 32-byte master key and its fingerprint. ``repr`` shows the fingerprint only."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise SettingsError("a master key is 32 bytes")
        self._key = key
        self.key_id = hashlib.sha256(b"lerkit master key id\x00" + key).hexdigest()[:16]

    @classmethod
    def parse(cls, text: str, what: str = "LERKIT_SECRET_KEY") -> MasterKey:
        """32 bytes as hex or base64url; anything else is a passphrase (HKDF-SHA256)."""
        value = text.strip()
        if not value:
            raise SettingsError(f"{what} is empty")
        if _HEX.match(value):
            return cls(bytes.fromhex(value))
        if _B64URL.match(value):
            try:
                raw = base64.urlsafe_b64decode(value.rstrip("=") + "=")
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) == KEY_SIZE:
                return cls(raw)
        if len(value) < 16:
            log.warning("%s is a short passphrase; use 32 random bytes (hex or base64url)", what)
        stretched = HKDF(
            algorithm=hashes.SHA256(), length=KEY_SIZE, salt=_HKDF_SALT, info=b"master key"
        ).derive(value.encode("utf-8"))
        return cls(stretched)

    def aead(self) -> AESGCM:
        return AESGCM(self._key)

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"


def load_master_key_file(path: Path, entropy: Entropy = os.urandom) -> MasterKey:
    """The master key in ``path``; a new one (32 random bytes, mode 0600) if there is none.

    The file holds the 32 raw bytes (or, written by hand, hex/base64url text).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # written whole beside it, then linked into place: a concurrent first start sees
        # either no file or all 32 bytes, and exactly one of them wins
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{entropy(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(entropy(KEY_SIZE))
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
            log.info("created a new master key file at %s", path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"cannot read the master key file {path}: {exc.strerror}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the master key file %s is readable by others; chmod 600 it", path)
    if len(data) == KEY_SIZE:
        return MasterKey(data)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"the master key file {path} must hold 32 bytes, or them in hex or base64url"
        ) from exc
    if not (_HEX.match(text.strip()) or _B64URL.match(text.strip())):
        raise SettingsError(
            f"the master key file {path} must hold 32 bytes, or them in hex or base64url"
        )
    return MasterKey.parse(text, str(path))


def _aad(organization_id: int, key_id: str) -> bytes:
    return f"lerkit signing key\x00{organization_id}\x00{key_id}".encode()


class EnvelopeKeyStore:
    """AES-256-GCM envelope encryption under ``current``; ``old`` master keys only unwrap."""

    def __init__(
        self, current: MasterKey, old: Sequence[MasterKey] = (), entropy: Entropy = os.urandom
    ) -> None:
        self._current = current
        self._keys = {k.key_id: k for k in old}
        self._keys[current.key_id] = current
        self._entropy = entropy

    @classmethod
    def from_settings(cls, settings: Settings, entropy: Entropy = os.urandom) -> EnvelopeKeyStore:
        if settings.secret_key:
            current = MasterKey.parse(settings.secret_key)
        else:
            current = load_master_key_file(settings.effective_secret_key_file, entropy)
        old = [MasterKey.parse(k, "LERKIT_OLD_SECRET_KEYS") for k in settings.old_secret_keys]
        return cls(current, old, entropy)

    @property
    def master_key_id(self) -> str:
        return self._current.key_id

    def __repr__(self) -> str:
        return f"EnvelopeKeyStore(master_key_id={self.master_key_id!r}, keys={len(self._keys)})"

    def _nonce(self) -> bytes:
        nonce = self._entropy(NONCE_SIZE)
        if len(nonce) != NONCE_SIZE:
            raise KeyStoreError("the entropy source returned too few bytes")
        return nonce

    def _wrap(self, data_key: bytes, aad: bytes) -> bytes:
        nonce = self._nonce()
        wrap_aad = aad + b"\x00" + self._current.key_id.encode()
        return VERSION + nonce + self._current.aead().encrypt(nonce, data_key, wrap_aad)

    def _unwrap(self, organization_id: int, key_id: str, sealed: SealedKey) -> bytes:
        master = self._keys.get(sealed.master_key_id)
        if master is None:
            raise KeyStoreError(
                f"signing key {key_id} of organization {organization_id} is wrapped by master "
                f"key {sealed.master_key_id}, which is not configured (set it in "
                "LERKIT_OLD_SECRET_KEYS until `rotate_master_key` has re-wrapped it)"
            )
        blob = sealed.wrapped_data_key
        if len(blob) < 1 + NONCE_SIZE + 16 or blob[:1] != VERSION:
            raise KeyStoreError(f"signing key {key_id}: the wrapped data key is malformed")
        wrap_aad = _aad(organization_id, key_id) + b"\x00" + master.key_id.encode()
        try:
            return master.aead().decrypt(blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :], wrap_aad)
        except InvalidTag as exc:
            raise KeyStoreError(
                f"signing key {key_id} of organization {organization_id}: the data key does "
                "not unwrap (tampered with, or stored on another row)"
            ) from exc

    def seal(self, organization_id: int, key_id: str, secret: bytes) -> SealedKey:
        aad = _aad(organization_id, key_id)
        data_key = self._entropy(KEY_SIZE)
        if len(data_key) != KEY_SIZE:
            raise KeyStoreError("the entropy source returned too few bytes")
        nonce = self._nonce()
        ciphertext = VERSION + nonce + AESGCM(data_key).encrypt(nonce, secret, aad)
        return SealedKey(ciphertext, self._wrap(data_key, aad), self._current.key_id)

    def open(self, organization_id: int, key_id: str, sealed: SealedKey) -> bytes:
        data_key = self._unwrap(organization_id, key_id, sealed)
        blob = sealed.encrypted_private
        if len(blob) < 1 + NONCE_SIZE + 16 or blob[:1] != VERSION:
            raise KeyStoreError(f"signing key {key_id}: the ciphertext is malformed")
        try:
            return AESGCM(data_key).decrypt(
                blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :], _aad(organization_id, key_id)
            )
        except InvalidTag as exc:
            raise KeyStoreError(
                f"signing key {key_id} of organization {organization_id} does not decrypt "
                "(tampered with, or stored on another row)"
            ) from exc

    def rewrap(self, organization_id: int, key_id: str, sealed: SealedKey) -> SealedKey:
        """The same ciphertext with its data key wrapped under the current master key."""
        if sealed.master_key_id == self._current.key_id:
            return sealed
        data_key = self._unwrap(organization_id, key_id, sealed)
        wrapped = self._wrap(data_key, _aad(organization_id, key_id))
        return SealedKey(sealed.encrypted_private, wrapped, self._current.key_id)

    def rotate_master_key(self, session: Session) -> int:
        """Re-wrap every data key not under the current master key (in ``session``'s
        transaction: all rows or none). Returns how many were re-wrapped."""
        rows = session.scalars(
            select(SigningKey)
            .where(SigningKey.master_key_id != self._current.key_id)
            .order_by(SigningKey.id)
            .with_for_update()
        ).all()
        for row in rows:
            sealed = self.rewrap(
                row.organization_id,
                row.key_id,
                SealedKey(row.encrypted_private, row.wrapped_data_key, row.master_key_id),
            )
            row.wrapped_data_key = sealed.wrapped_data_key
            row.master_key_id = sealed.master_key_id
        session.flush()
        log.info("re-wrapped %d signing keys under master key %s", len(rows), self.master_key_id)
        return len(rows)


__all__ = ["EnvelopeKeyStore", "MasterKey", "load_master_key_file"]
