"""did:key for Ed25519, P-256 and P-384 (w3c-ccg did-method-key), create and resolve."""

from __future__ import annotations

from lerkit.core.dids.base import (
    DID_CONTEXT,
    ED25519_2020_CONTEXT,
    MULTIKEY_CONTEXT,
    split_did_url,
)
from lerkit.core.errors import InputError, KeyFormatError, ProblemCode
from lerkit.core.keys import KeyType, PublicKey
from lerkit.core.types import JsonObject


def did_key(public_key: PublicKey) -> str:
    """``did:key:<multikey>`` for a public key."""
    return f"did:key:{public_key.multikey}"


def verification_method_id(public_key: PublicKey) -> str:
    mk = public_key.multikey
    return f"did:key:{mk}#{mk}"


def public_key_from_did_key(did: str) -> PublicKey:
    base, _ = split_did_url(did)
    if not base.startswith("did:key:"):
        raise InputError(f"{did!r} is not a did:key", ProblemCode.DID_MALFORMED)
    value = base[len("did:key:") :]
    try:
        return PublicKey.from_multikey(value)
    except KeyFormatError as exc:
        raise InputError(f"malformed did:key {did!r}: {exc}", ProblemCode.DID_MALFORMED) from exc


def resolve_did_key(did: str, legacy_ed25519_2020: bool = False) -> JsonObject:
    """The DID document of a did:key (Multikey verification method).

    ``legacy_ed25519_2020`` emits the method as ``Ed25519VerificationKey2020`` (as older
    Digital Bazaar resolvers do); verification treats both alike.
    """
    base, _ = split_did_url(did)
    public_key = public_key_from_did_key(base)
    mk = public_key.multikey
    if base != f"did:key:{mk}":
        raise InputError(f"non-canonical did:key {did!r}", ProblemCode.DID_MALFORMED)
    vm_id = f"{base}#{mk}"
    use_legacy = legacy_ed25519_2020 and public_key.key_type is KeyType.ED25519
    method: JsonObject = {
        "id": vm_id,
        "type": "Ed25519VerificationKey2020" if use_legacy else "Multikey",
        "controller": base,
        "publicKeyMultibase": mk,
    }
    return {
        "@context": [DID_CONTEXT, ED25519_2020_CONTEXT if use_legacy else MULTIKEY_CONTEXT],
        "id": base,
        "verificationMethod": [method],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
