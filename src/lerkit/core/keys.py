"""Signing keys: Ed25519, ECDSA P-256 and P-384, as Multikey and JWK.

Key generation takes its entropy as an argument (the core holds no randomness). ECDSA
signatures are deterministic (RFC 6979) and encoded IEEE P1363 ``r || s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from lerkit.core import multibase
from lerkit.core.errors import CryptoError, KeyFormatError, ProblemCode
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject


class KeyType(StrEnum):
    """The key types lerkit signs and verifies with."""

    ED25519 = "Ed25519"
    P256 = "P-256"
    P384 = "P-384"

    @classmethod
    def parse(cls, text: str) -> KeyType:
        norm = text.strip().lower().replace("-", "").replace("_", "")
        for kt, names in _ALIASES.items():
            if norm in names:
                return kt
        raise KeyFormatError(
            f"unknown key type {text!r} (use ed25519, p256 or p384)", ProblemCode.KEY_UNSUPPORTED
        )


_ALIASES = {
    KeyType.ED25519: {"ed25519", "eddsa"},
    KeyType.P256: {"p256", "secp256r1", "es256"},
    KeyType.P384: {"p384", "secp384r1", "es384"},
}

# multicodec varint headers
PUBLIC_HEADERS: dict[KeyType, bytes] = {
    KeyType.ED25519: b"\xed\x01",
    KeyType.P256: b"\x80\x24",
    KeyType.P384: b"\x81\x24",
}
SECRET_HEADERS: dict[KeyType, bytes] = {
    KeyType.ED25519: b"\x80\x26",
    KeyType.P256: b"\x86\x26",
    KeyType.P384: b"\x87\x26",
}
_CURVES: dict[KeyType, ec.EllipticCurve] = {
    KeyType.P256: ec.SECP256R1(),
    KeyType.P384: ec.SECP384R1(),
}
_HASHES: dict[KeyType, type[hashes.HashAlgorithm]] = {
    KeyType.P256: hashes.SHA256,
    KeyType.P384: hashes.SHA384,
}
_SIZES = {KeyType.P256: 32, KeyType.P384: 48}
JWS_ALGS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.P384: "ES384"}
_JWK_CRV = {KeyType.ED25519: "Ed25519", KeyType.P256: "P-256", KeyType.P384: "P-384"}


@dataclass(frozen=True)
class PublicKey:
    """A public verification key. ``raw`` is 32 bytes (Ed25519) or a compressed EC point."""

    key_type: KeyType
    raw: bytes
    _impl: Any = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_raw(cls, key_type: KeyType, raw: bytes) -> PublicKey:
        try:
            if key_type is KeyType.ED25519:
                if len(raw) != 32:
                    raise ValueError("an Ed25519 public key is 32 bytes")
                impl: Any = ed25519.Ed25519PublicKey.from_public_bytes(raw)
                return cls(key_type, raw, impl)
            impl = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[key_type], raw)
        except ValueError as exc:
            raise KeyFormatError(f"invalid {key_type} public key: {exc}") from exc
        compressed = impl.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return cls(key_type, compressed, impl)

    @classmethod
    def from_multikey(cls, value: str) -> PublicKey:
        """Parse a ``publicKeyMultibase`` value (``z6Mk…``, ``zDn…``, ``z82…``)."""
        data = multibase.decode(value)
        for kt, header in PUBLIC_HEADERS.items():
            if data.startswith(header):
                return cls.from_raw(kt, data[len(header) :])
        raise KeyFormatError(
            "unsupported Multikey header (expected an Ed25519, P-256 or P-384 public key)",
            ProblemCode.KEY_UNSUPPORTED,
        )

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> PublicKey:
        if not isinstance(jwk, dict):
            raise KeyFormatError("a JWK must be a JSON object")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        try:
            if kty == "OKP" and crv == "Ed25519":
                return cls.from_raw(KeyType.ED25519, b64url_decode(jwk["x"]))
            if kty == "EC" and crv in ("P-256", "P-384"):
                kt = KeyType.P256 if crv == "P-256" else KeyType.P384
                x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
                if len(x) != _SIZES[kt] or len(y) != _SIZES[kt]:
                    raise KeyFormatError(f"JWK coordinates have the wrong length for {crv}")
                return cls.from_raw(kt, b"\x04" + x + y)
        except KeyError as exc:
            raise KeyFormatError(f"JWK is missing member {exc.args[0]!r}") from exc
        raise KeyFormatError(
            f"unsupported JWK (kty={kty!r}, crv={crv!r}); "
            "supported: OKP/Ed25519, EC/P-256, EC/P-384",
            ProblemCode.KEY_UNSUPPORTED,
        )

    @property
    def multikey(self) -> str:
        """``publicKeyMultibase`` (base58btc, with the multicodec header)."""
        return multibase.encode(PUBLIC_HEADERS[self.key_type] + self.raw, "z")

    @property
    def jwk(self) -> JsonObject:
        if self.key_type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw)}
        nums = self._impl.public_numbers()
        size = _SIZES[self.key_type]
        return {
            "kty": "EC",
            "crv": _JWK_CRV[self.key_type],
            "x": b64url_encode(nums.x.to_bytes(size, "big")),
            "y": b64url_encode(nums.y.to_bytes(size, "big")),
        }

    @property
    def jws_alg(self) -> str:
        return JWS_ALGS[self.key_type]

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`CryptoError` unless ``signature`` (raw / P1363) signs ``data``."""
        try:
            if self.key_type is KeyType.ED25519:
                self._impl.verify(signature, data)
                return
            size = _SIZES[self.key_type]
            if len(signature) != 2 * size:
                raise CryptoError(
                    f"{self.key_type} signature must be {2 * size} bytes, got {len(signature)}"
                )
            der = encode_dss_signature(
                int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            )
            self._impl.verify(der, data, ec.ECDSA(_HASHES[self.key_type]()))
        except InvalidSignature as exc:
            raise CryptoError("signature does not match the data and key") from exc


@dataclass(frozen=True)
class PrivateKey:
    """A signing key. Never logged: ``repr`` shows only the public part."""

    key_type: KeyType
    public_key: PublicKey
    _impl: Any = field(repr=False, compare=False, hash=False)

    @classmethod
    def from_secret(cls, key_type: KeyType, secret: bytes) -> PrivateKey:
        """From an Ed25519 32-byte seed or an EC private scalar (big-endian)."""
        try:
            if key_type is KeyType.ED25519:
                if len(secret) != 32:
                    raise ValueError("an Ed25519 seed is 32 bytes")
                impl: Any = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
                pub_raw = impl.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw
                )
            else:
                if len(secret) != _SIZES[key_type]:
                    raise ValueError(f"a {key_type} private key is {_SIZES[key_type]} bytes")
                impl = ec.derive_private_key(int.from_bytes(secret, "big"), _CURVES[key_type])
                pub_raw = impl.public_key().public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
                )
        except ValueError as exc:
            raise KeyFormatError(f"invalid {key_type} private key: {exc}") from exc
        return cls(key_type, PublicKey.from_raw(key_type, pub_raw), impl)

    @classmethod
    def generate(cls, key_type: KeyType, entropy: bytes) -> PrivateKey:
        """A new key from caller-supplied entropy (at least 32 bytes, e.g. ``os.urandom(64)``)."""
        if len(entropy) < 32:
            raise KeyFormatError("key generation needs at least 32 bytes of entropy")
        if key_type is KeyType.ED25519:
            return cls.from_secret(key_type, entropy[:32])
        order = _ORDERS[key_type]
        scalar = int.from_bytes(entropy, "big") % (order - 1) + 1
        return cls.from_secret(key_type, scalar.to_bytes(_SIZES[key_type], "big"))

    @classmethod
    def from_multikey(cls, secret_multibase: str) -> PrivateKey:
        """Parse a ``secretKeyMultibase`` value."""
        data = multibase.decode(secret_multibase)
        for kt, header in SECRET_HEADERS.items():
            if data.startswith(header):
                return cls.from_secret(kt, data[len(header) :])
        raise KeyFormatError("unsupported secret Multikey header", ProblemCode.KEY_UNSUPPORTED)

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> PrivateKey:
        if not isinstance(jwk, dict) or "d" not in jwk:
            raise KeyFormatError("a private JWK needs the member 'd'")
        public = PublicKey.from_jwk(jwk)
        key = cls.from_secret(public.key_type, b64url_decode(jwk["d"]))
        if key.public_key.raw != public.raw:
            raise KeyFormatError("private JWK 'd' does not match its public coordinates")
        return key

    @property
    def secret_bytes(self) -> bytes:
        if self.key_type is KeyType.ED25519:
            raw: bytes = self._impl.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            return raw
        value: int = self._impl.private_numbers().private_value
        return value.to_bytes(_SIZES[self.key_type], "big")

    @property
    def secret_multikey(self) -> str:
        return multibase.encode(SECRET_HEADERS[self.key_type] + self.secret_bytes, "z")

    @property
    def private_jwk(self) -> JsonObject:
        return {**self.public_key.jwk, "d": b64url_encode(self.secret_bytes)}

    def sign(self, data: bytes) -> bytes:
        """Ed25519 (pure) or deterministic ECDSA with SHA-256/384, as P1363 ``r || s``."""
        if self.key_type is KeyType.ED25519:
            sig: bytes = self._impl.sign(data)
            return sig
        der = self._impl.sign(data, ec.ECDSA(_HASHES[self.key_type](), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = _SIZES[self.key_type]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


_ORDERS = {
    KeyType.P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    KeyType.P384: int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}
