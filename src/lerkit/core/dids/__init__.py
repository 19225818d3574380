"""DID methods: did:key and did:jwk (pure), did:web (URL mapping pure, fetching an adapter)."""

from lerkit.core.dids.base import (
    DidResolver,
    VerificationMethod,
    find_verification_method,
    public_key_of,
    split_did_url,
)
from lerkit.core.dids.key import did_key, public_key_from_did_key, resolve_did_key

__all__ = [
    "DidResolver",
    "VerificationMethod",
    "did_key",
    "find_verification_method",
    "public_key_from_did_key",
    "public_key_of",
    "resolve_did_key",
    "split_did_url",
]
