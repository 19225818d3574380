"""Multibase (base58btc ``z``, base64url-no-pad ``u``) and multicodec key headers."""

from __future__ import annotations

import base64
import binascii

import base58

from lerkit.core.errors import KeyFormatError


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as JOSE and multibase ``u`` use it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; refuse anything else."""
    if not isinstance(text, str):
        raise KeyFormatError("base64url value must be a string")
    cleaned = text.strip()
    if any(c in cleaned for c in "+/=") and cleaned.rstrip("=").count("=") == 0:
        cleaned = cleaned.rstrip("=")
    if any(c not in _B64URL_ALPHABET for c in cleaned):
        raise KeyFormatError("value is not base64url")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"value is not base64url: {exc}") from exc


_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def encode(data: bytes, base: str = "z") -> str:
    """Multibase-encode ``data``: ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if base == "z":
        return "z" + base58.b58encode(data).decode("ascii")
    if base == "u":
        return "u" + b64url_encode(data)
    raise KeyFormatError(f"unsupported multibase prefix {base!r} (use 'z' or 'u')")


def decode(text: str) -> bytes:
    """Decode a multibase string with prefix ``z`` or ``u``."""
    if not isinstance(text, str) or len(text) < 2:
        raise KeyFormatError("multibase value must be a non-empty string")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        try:
            return base58.b58decode(body)
        except ValueError as exc:
            raise KeyFormatError(f"invalid base58btc in multibase value: {exc}") from exc
    if prefix == "u":
        return b64url_decode(body)
    raise KeyFormatError(f"unsupported multibase prefix {prefix!r} (expected 'z' or 'u')")
