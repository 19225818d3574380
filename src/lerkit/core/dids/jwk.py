"""did:jwk (quartzjer/did-jwk): create and resolve, no I/O.

``did:jwk:`` + base64url(UTF-8 JSON of the public JWK). We emit the JCS form of the
JWK's public members (the spec allows it and it makes the DID unique per key); on
resolution any JSON object is accepted as long as it is a public JWK we can read.
"""

from __future__ import annotations

import json

from lerkit.core.dids.base import DID_CONTEXT, JWS_2020_CONTEXT, RELATIONSHIPS, split_did_url
from lerkit.core.errors import InputError, KeyFormatError, ProblemCode
from lerkit.core.jsonld.jcs import jcs
from lerkit.core.keys import PublicKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.types import JsonObject

PREFIX = "did:jwk:"
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def did_jwk(public_key: PublicKey) -> str:
    """``did:jwk:<base64url(JCS(public JWK))>`` for a public key."""
    return PREFIX + b64url_encode(jcs(public_key.jwk))


def jwk_from_did_jwk(did: str) -> JsonObject:
    """The JWK encoded in a did:jwk (fragment ignored). Refuses private key material."""
    base, _ = split_did_url(did)
    if not base.startswith(PREFIX) or len(base) == len(PREFIX):
        raise InputError(f"{did!r} is not a did:jwk", ProblemCode.DID_MALFORMED)
    try:
        jwk = json.loads(b64url_decode(base[len(PREFIX) :]).decode("utf-8"))
    except (KeyFormatError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"malformed did:jwk {did!r}: not base64url-encoded JSON", ProblemCode.DID_MALFORMED
        ) from exc
    if not isinstance(jwk, dict) or "kty" not in jwk:
        raise InputError(
            f"malformed did:jwk {did!r}: the value is not a JWK", ProblemCode.DID_MALFORMED
        )
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise InputError(
            f"did:jwk {did!r} contains private key material", ProblemCode.DID_MALFORMED
        )
    return jwk


def public_key_from_did_jwk(did: str) -> PublicKey:
    """The public key of a did:jwk (Ed25519, P-256 or P-384)."""
    return PublicKey.from_jwk(jwk_from_did_jwk(did))


def resolve_did_jwk(did: str) -> JsonObject:
    """The DID document of a did:jwk: one ``JsonWebKey2020`` method ``#0``.

    Relationships follow the JWK's ``use``: ``sig`` drops ``keyAgreement``, ``enc`` keeps
    only ``keyAgreement``, absent keeps all five. The key itself is not parsed here (a
    did:jwk may hold keys lerkit cannot verify with); :func:`public_key_of` does that.
    """
    base, _ = split_did_url(did)
    jwk = jwk_from_did_jwk(base)
    use = jwk.get("use")
    if use == "sig":
        relationships = [r for r in RELATIONSHIPS if r != "keyAgreement"]
    elif use == "enc":
        relationships = ["keyAgreement"]
    elif use is None:
        relationships = list(RELATIONSHIPS)
    else:
        raise InputError(
            f"did:jwk {did!r} has an unknown JWK 'use' {use!r}", ProblemCode.DID_MALFORMED
        )
    vm_id = f"{base}#0"
    document: JsonObject = {
        "@context": [DID_CONTEXT, JWS_2020_CONTEXT],
        "id": base,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": base, "publicKeyJwk": jwk}
        ],
    }
    for relationship in relationships:
        document[relationship] = [vm_id]
    return document
