"""DID methods: did:key and did:jwk (pure), did:web (URL mapping pure, fetching an adapter)."""

from lerkit.core.dids.base import (
    DidResolver,
    VerificationMethod,
    find_verification_method,
    public_key_of,
    split_did_url,
)
from lerkit.core.dids.jwk import did_jwk, jwk_from_did_jwk, public_key_from_did_jwk, resolve_did_jwk
from lerkit.core.dids.key import did_key, public_key_from_did_key, resolve_did_key
from lerkit.core.dids.resolver import MethodResolver, check_controller_document
from lerkit.core.dids.web import check_did_web_document, did_web_to_url, url_to_did_web

__all__ = [
    "DidResolver",
    "MethodResolver",
    "VerificationMethod",
    "check_controller_document",
    "check_did_web_document",
    "did_jwk",
    "did_key",
    "did_web_to_url",
    "find_verification_method",
    "jwk_from_did_jwk",
    "public_key_from_did_jwk",
    "public_key_from_did_key",
    "public_key_of",
    "resolve_did_jwk",
    "resolve_did_key",
    "split_did_url",
    "url_to_did_web",
]
