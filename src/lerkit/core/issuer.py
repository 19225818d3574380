"""Issuing: secure a VC 2.0 credential with a Data Integrity proof or as a VC-JWT."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.base import split_did_url
from lerkit.core.errors import InputError, ProblemCode, SigningError
from lerkit.core.jsonld import Canonicalizer, DocumentLoader
from lerkit.core.jsonvalue import check_json_value
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.model.vc import basic_shape_errors, issuer_id
from lerkit.core.suites import ecdsa_sd_2023
from lerkit.core.types import JsonObject

SUITES: dict[str, str] = {
    "eddsa-rdfc-2022": "eddsa-rdfc-2022",
    "eddsa-jcs-2022": "eddsa-jcs-2022",
    "ecdsa-rdfc-2019": "ecdsa-rdfc-2019",
    "ecdsa-jcs-2019": "ecdsa-jcs-2019",
    "ecdsa-sd-2023": "ecdsa-sd-2023",
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
    "ecdsa-sd-2023": {KeyType.P256},
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
    mandatory_pointers: Sequence[str] | None = None,
    entropy: Callable[[int], bytes] | None = None,
) -> JsonObject | str:
    """Secure ``credential``: returns the signed credential, or a compact JWT for ``vc-jwt``.

    Refuses malformed credentials and credentials whose issuer is not the key's controller.

    ``ecdsa-sd-2023`` (P-256) gives a *base* proof for the holder, who derives what to
    disclose: ``mandatory_pointers`` are the JSON pointers every disclosure reveals
    (default :func:`~lerkit.core.suites.ecdsa_sd_2023.default_mandatory_pointers`: issuer,
    validity, status, subject id, the OB 3.0 achievement, ...); ``entropy`` (e.g.
    ``os.urandom``) gives the per-proof HMAC and P-256 keys and is required for this suite.
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
    if cryptosuite == ecdsa_sd_2023.NAME:
        if entropy is None:
            raise SigningError(
                "ecdsa-sd-2023 needs entropy for its per-proof keys (pass os.urandom)",
                ProblemCode.SIGNING_REFUSED,
            )
        pointers = (
            ecdsa_sd_2023.default_mandatory_pointers(credential)
            if mandatory_pointers is None
            else list(mandatory_pointers)
        )
        return ecdsa_sd_2023.sign_base(
            credential,
            key,
            verification_method,
            mandatory_pointers=pointers,
            created=created,
            entropy=entropy,
            loader=loader,
            canonicalizer=canonicalizer,
        )
    if mandatory_pointers is not None:
        raise InputError(
            f"mandatory pointers are for ecdsa-sd-2023, not {cryptosuite}",
            ProblemCode.SD_POINTER_INVALID,
        )
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
