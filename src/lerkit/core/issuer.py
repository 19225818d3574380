"""Issuing: secure a VC 2.0 credential with a Data Integrity proof or as a VC-JWT."""

from __future__ import annotations

from datetime import datetime

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.base import split_did_url
from lerkit.core.errors import InputError, ProblemCode, SigningError
from lerkit.core.jsonld import Canonicalizer, DocumentLoader
from lerkit.core.jsonvalue import check_json_value
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.model.vc import basic_shape_errors, issuer_id
from lerkit.core.types import JsonObject

SUITES: dict[str, str] = {
    "eddsa-rdfc-2022": "eddsa-rdfc-2022",
    "eddsa-jcs-2022": "eddsa-jcs-2022",
    "ecdsa-rdfc-2019": "ecdsa-rdfc-2019",
    "ecdsa-jcs-2019": "ecdsa-jcs-2019",
    "ed25519-signature-2020": "Ed25519Signature2020",
    "Ed25519Signature2020": "Ed25519Signature2020",
    "vc-jwt": "vc-jwt",
}
"""CLI/API suite names -> proof cryptosuite (or ``vc-jwt`` for VC-JOSE)."""

_SUITE_KEYS = {
    "eddsa-rdfc-2022": {KeyType.ED25519},
    "eddsa-jcs-2022": {KeyType.ED25519},
    "Ed25519Signature2020": {KeyType.ED25519},
    "ecdsa-rdfc-2019": {KeyType.P256, KeyType.P384},
    "ecdsa-jcs-2019": {KeyType.P256, KeyType.P384},
    "vc-jwt": {KeyType.ED25519, KeyType.P256, KeyType.P384},
}


def default_suite(key: PrivateKey) -> str:
    return "eddsa-rdfc-2022" if key.key_type is KeyType.ED25519 else "ecdsa-rdfc-2019"


def resolve_suite(name: str, key: PrivateKey) -> str:
    suite = SUITES.get(name)
    if suite is None:
        raise InputError(
            f"unknown suite {name!r}; choose one of: "
            + ", ".join(k for k in SUITES if k != "Ed25519Signature2020"),
            ProblemCode.PROOF_UNSUPPORTED,
        )
    if key.key_type not in _SUITE_KEYS[suite]:
        raise SigningError(
            f"suite {name} cannot sign with a {key.key_type} key "
            f"(it needs {' or '.join(sorted(k.value for k in _SUITE_KEYS[suite]))})",
            ProblemCode.KEY_UNSUPPORTED,
        )
    return suite


def check_issuer_controls(credential: JsonObject, verification_method: str) -> None:
    """Refuse to sign when the credential's issuer is not the controller of the key."""
    issuer = issuer_id(credential)
    controller, _ = split_did_url(verification_method)
    if issuer != controller:
        raise SigningError(
            f"the credential's issuer is {issuer}, but the key belongs to {controller}: "
            f"set issuer to {controller} or sign with the issuer's key",
            ProblemCode.ISSUER_MISMATCH,
        )


def issue(
    credential: JsonObject,
    key: PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    suite: str = "eddsa-rdfc-2022",
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> JsonObject | str:
    """Secure ``credential``: returns the signed credential, or a compact JWT for ``vc-jwt``.

    Refuses malformed credentials and credentials whose issuer is not the key's controller.
    """
    if not isinstance(credential, dict):
        raise InputError("a credential must be a JSON object", ProblemCode.CREDENTIAL_MALFORMED)
    check_json_value(credential, "credential")
    errors = basic_shape_errors(credential)
    if errors:
        raise InputError("cannot sign: " + "; ".join(errors), ProblemCode.CREDENTIAL_MALFORMED)
    check_issuer_controls(credential, verification_method)
    cryptosuite = resolve_suite(suite, key)
    if cryptosuite == "vc-jwt":
        return jose.secure_credential(credential, key, verification_method)
    options = dataintegrity.ProofOptions(
        cryptosuite=cryptosuite,
        verification_method=verification_method,
        proof_purpose="assertionMethod",
        created=created,
    )
    # add_proof appends the suite's context when the document lacks it
    return dataintegrity.add_proof(
        credential, key, options, loader=loader, canonicalizer=canonicalizer
    )
