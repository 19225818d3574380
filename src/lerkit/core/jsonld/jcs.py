"""JSON Canonicalization Scheme (RFC 8785)."""

from __future__ import annotations

from typing import Any

import rfc8785

from lerkit.core.errors import InputError


def jcs(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InputError(f"cannot canonicalize JSON (JCS): {exc}") from exc
