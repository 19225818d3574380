"""DID documents, verification methods and the resolver interface.

Resolution of a DID URL to a verification method is pure given a :class:`DidResolver`;
methods that need the network (did:web) get their documents through an adapter that
implements the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lerkit.core.errors import KeyFormatError, ProblemCode, ResolutionError
from lerkit.core.keys import PublicKey
from lerkit.core.types import JsonObject

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"

RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method: its id, type, controller and public key."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    document: JsonObject = field(default_factory=dict, compare=False)


class DidResolver(Protocol):
    """Resolves a DID (without fragment) to its DID document, or raises.

    Raise :class:`ResolutionError` when the document cannot be obtained ("could not check")
    and :class:`~lerkit.core.errors.InputError` when the DID itself is malformed.
    """

    def resolve(self, did: str) -> JsonObject: ...


def split_did_url(url: str) -> tuple[str, str | None]:
    """``did:x:y#frag`` -> (``did:x:y``, ``frag``)."""
    base, sep, fragment = url.partition("#")
    return base, (fragment if sep else None)


def _absolute(ref: str, did: str) -> str:
    return did + ref if ref.startswith("#") else ref


def public_key_of(method: JsonObject) -> PublicKey:
    """The public key of a verification method object (Multikey, Ed25519VK2020, JWK types)."""
    if "publicKeyMultibase" in method:
        return PublicKey.from_multikey(method["publicKeyMultibase"])
    if "publicKeyJwk" in method:
        return PublicKey.from_jwk(method["publicKeyJwk"])
    raise KeyFormatError(
        f"verification method {method.get('id')!r} has no publicKeyMultibase or publicKeyJwk",
        ProblemCode.KEY_UNSUPPORTED,
    )


def find_verification_method(
    document: JsonObject, method_id: str, purpose: str | None = None
) -> VerificationMethod:
    """Find ``method_id`` in a DID document; if ``purpose`` is given, require the relationship.

    Raises :class:`ResolutionError` with ``verification_method.not_found`` or
    ``verification_method.not_authorized``.
    """
    did = str(document.get("id", ""))
    candidates: list[JsonObject] = []
    for key in ("verificationMethod", *RELATIONSHIPS, "publicKey"):
        for entry in _as_list(document.get(key)):
            if isinstance(entry, dict):
                candidates.append(entry)
    found: JsonObject | None = None
    for entry in candidates:
        if _absolute(str(entry.get("id", "")), did) == method_id:
            found = entry
            break
    if found is None:
        raise ResolutionError(
            f"verification method {method_id!r} is not in the DID document of {did!r}",
            ProblemCode.VERIFICATION_METHOD_NOT_FOUND,
        )
    if purpose is not None:
        allowed = {
            _absolute(e if isinstance(e, str) else str(e.get("id", "")), did)
            for e in _as_list(document.get(purpose))
            if isinstance(e, (str, dict))
        }
        if method_id not in allowed:
            raise ResolutionError(
                f"verification method {method_id!r} is not authorized for {purpose}",
                ProblemCode.VERIFICATION_METHOD_NOT_AUTHORIZED,
            )
    controller = str(found.get("controller", did))
    return VerificationMethod(
        id=method_id,
        type=str(found.get("type", "")),
        controller=controller,
        public_key=public_key_of(found),
        document=found,
    )


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
