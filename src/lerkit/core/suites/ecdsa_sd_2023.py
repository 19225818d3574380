"""``ecdsa-sd-2023`` (W3C vc-di-ecdsa §3.3-3.5): ECDSA P-256 with selective disclosure.

Three parties, three algorithms:

1. **Issuer — base proof** (:func:`sign_base`). The credential is canonicalized (RDFC-1.0)
   and every blank-node label replaced by ``u`` + base64url(HMAC-SHA-256(hmac key, label)),
   so that labels leak nothing. The N-Quads that the issuer's *mandatory pointers* select
   are hashed together (``mandatoryHash``); every other N-Quad is signed on its own with a
   fresh, per-proof P-256 key (the *proof key*). The issuer signs
   ``SHA-256(canonical proof config) || proof public key (Multikey bytes) || mandatoryHash``.
   ``proofValue`` = ``u`` + base64url(``0xd9 0x5d 0x00`` + CBOR[baseSignature, publicKey,
   hmacKey, signatures, mandatoryPointers]).
2. **Holder — derived proof** (:func:`derive`). The holder picks *selective pointers*; the
   revealed document holds the mandatory and the selected parts, the derived proof only the
   per-quad signatures of the revealed non-mandatory N-Quads, a map from the canonical
   labels the verifier will compute to the HMAC labels (the HMAC key itself stays with the
   holder), and the positions of the mandatory N-Quads. ``proofValue`` = ``u`` +
   base64url(``0xd9 0x5d 0x01`` + CBOR[baseSignature, publicKey, signatures,
   compressed label map, mandatoryIndexes]).
3. **Verifier** (:func:`verify_derived`, reached through
   :func:`lerkit.core.dataintegrity.verify_proofs`): canonicalize the revealed document,
   relabel with the label map, check every per-quad signature with the proof key and the
   base signature with the issuer's key. A *base* proof is refused there
   (``sd.base_proof``): the specification's verify algorithm accepts only a derived proof.
   The holder checks a base proof it received with :func:`confirm_base`.

Pure: the HMAC key and the proof key come from the caller (``hmac_key``/``proof_key``, or
``entropy``); nothing here draws randomness, reads a clock or does I/O.

Errors (:mod:`lerkit.core.errors`): :class:`InputError` — ``sd.pointer_invalid``,
``sd.nothing_selected``, ``sd.no_base_proof``, ``proof.malformed``; :class:`KeyFormatError`
— ``key.unsupported`` (not a P-256 key); :class:`CryptoError` — ``proof.invalid``,
``sd.base_proof``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from lerkit.core import multibase
from lerkit.core.errors import CryptoError, InputError, KeyFormatError, ProblemCode
from lerkit.core.jsonld import Canonicalizer, DocumentLoader, canonicalize, default_loader
from lerkit.core.jsonvalue import check_json_value
from lerkit.core.keys import PUBLIC_HEADERS, KeyType, PrivateKey, PublicKey
from lerkit.core.suites import sd_primitives as sd
from lerkit.core.suites.base import (
    DATA_INTEGRITY_PROOF,
    DATA_INTEGRITY_V1_CONTEXT,
    DATA_INTEGRITY_V2_CONTEXT,
    VC_V2_CONTEXT,
    Cryptosuite,
    register,
)
from lerkit.core.types import JsonObject

NAME = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_P256_MULTIKEY = PUBLIC_HEADERS[KeyType.P256]

OB3_MANDATORY_CANDIDATES: tuple[str, ...] = (
    "/id",
    "/issuer",
    "/validFrom",
    "/validUntil",
    "/issuanceDate",
    "/expirationDate",
    "/name",
    "/credentialStatus",
    "/credentialSchema",
    "/refreshService",
    "/termsOfUse",
    "/credentialSubject/id",
    "/credentialSubject/achievement",
)
"""What an issuer always reveals by default (those present in the credential): who issued
it, when it is valid, its status entries (a holder must not be able to hide a revocation),
the subject's id (holder binding) and, for Open Badges 3.0, the achievement. The other
subject claims (results, identifiers, names, evidence, ...) become disclosable."""


def default_mandatory_pointers(credential: JsonObject) -> list[str]:
    """:data:`OB3_MANDATORY_CANDIDATES` that exist in ``credential``."""
    out = []
    for pointer in OB3_MANDATORY_CANDIDATES:
        try:
            sd.resolve_pointer(credential, pointer)
        except InputError:
            continue
        out.append(pointer)
    return out


# -- proof values --------------------------------------------------------------------------


def _malformed(message: str) -> InputError:
    return InputError(f"ecdsa-sd-2023 proofValue: {message}", ProblemCode.PROOF_MALFORMED)


@dataclass(frozen=True)
class BaseProofValue:
    """The parts of a base ``proofValue``."""

    base_signature: bytes
    public_key: bytes
    """The proof key as Multikey bytes (``0x80 0x24`` + compressed P-256 point, 35 bytes)."""
    hmac_key: bytes = field(repr=False)
    signatures: list[bytes]
    mandatory_pointers: list[str]


@dataclass(frozen=True)
class DerivedProofValue:
    """The parts of a derived ``proofValue``; ``label_map`` is decompressed
    (``c14nN`` -> ``u…`` HMAC label)."""

    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]
    mandatory_indexes: list[int]


def _check_common(base_signature: Any, public_key: Any, signatures: Any) -> None:
    if not (isinstance(base_signature, bytes) and len(base_signature) == 64):
        raise _malformed("baseSignature must be 64 bytes")
    if not (
        isinstance(public_key, bytes)
        and len(public_key) == 35
        and public_key.startswith(_P256_MULTIKEY)
    ):
        raise _malformed("publicKey must be a 35-byte P-256 Multikey")
    if not (
        isinstance(signatures, list)
        and all(isinstance(s, bytes) and len(s) == 64 for s in signatures)
    ):
        raise _malformed("signatures must be a list of 64-byte signatures")


def _decode(proof_value: object) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise _malformed("it must be a base64url multibase string (starting with 'u')")
    try:
        return multibase.decode(proof_value)
    except KeyFormatError as exc:
        raise _malformed(str(exc)) from exc


def proof_value_kind(proof_value: object) -> str:
    """``"base"`` or ``"derived"``; ``proof.malformed`` for anything else."""
    data = _decode(proof_value)
    if data.startswith(BASE_HEADER):
        return "base"
    if data.startswith(DERIVED_HEADER):
        return "derived"
    raise _malformed("it does not start with the ecdsa-sd-2023 header 0xd9 0x5d 0x00 / 0x01")


def serialize_base_proof_value(value: BaseProofValue) -> str:
    """serializeBaseProofValue."""
    _check_common(value.base_signature, value.public_key, value.signatures)
    payload = [
        value.base_signature,
        value.public_key,
        value.hmac_key,
        list(value.signatures),
        list(value.mandatory_pointers),
    ]
    return "u" + multibase.b64url_encode(BASE_HEADER + sd.cbor_encode(payload))


def parse_base_proof_value(proof_value: object) -> BaseProofValue:
    """parseBaseProofValue."""
    data = _decode(proof_value)
    if not data.startswith(BASE_HEADER):
        raise _malformed("not a base proof (header 0xd9 0x5d 0x00)")
    items = sd.cbor_decode(data[len(BASE_HEADER) :])
    if not (isinstance(items, list) and len(items) == 5):
        raise _malformed("a base proof value is a CBOR array of 5 items")
    base_signature, public_key, hmac_key, signatures, pointers = items
    _check_common(base_signature, public_key, signatures)
    if not (isinstance(hmac_key, bytes) and len(hmac_key) == 32):
        raise _malformed("hmacKey must be 32 bytes")
    if not (isinstance(pointers, list) and all(isinstance(p, str) for p in pointers)):
        raise _malformed("mandatoryPointers must be a list of strings")
    return BaseProofValue(base_signature, public_key, hmac_key, signatures, pointers)


def _compress_label_map(label_map: dict[str, str]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for c14n, label in label_map.items():
        if not (c14n.startswith("c14n") and c14n[4:].isdigit() and label.startswith("u")):
            raise InputError(f"label map entry {c14n!r} -> {label!r} cannot be compressed")
        out[int(c14n[4:])] = multibase.b64url_decode(label[1:])
    return out


def serialize_derived_proof_value(value: DerivedProofValue) -> str:
    """serializeDerivedProofValue (the label map compressed to int -> bytes)."""
    _check_common(value.base_signature, value.public_key, value.signatures)
    payload = [
        value.base_signature,
        value.public_key,
        list(value.signatures),
        _compress_label_map(value.label_map),
        list(value.mandatory_indexes),
    ]
    return "u" + multibase.b64url_encode(DERIVED_HEADER + sd.cbor_encode(payload))


def parse_derived_proof_value(proof_value: object) -> DerivedProofValue:
    """parseDerivedProofValue; ``sd.base_proof`` for a base proof value."""
    data = _decode(proof_value)
    if data.startswith(BASE_HEADER):
        raise CryptoError(
            "this is an ecdsa-sd-2023 base proof, which only the holder verifies: a verifier "
            "accepts only a derived proof (the holder derives one with the fields to disclose)",
            ProblemCode.SD_BASE_PROOF,
        )
    if not data.startswith(DERIVED_HEADER):
        raise _malformed("not a derived proof (header 0xd9 0x5d 0x01)")
    items = sd.cbor_decode(data[len(DERIVED_HEADER) :])
    if not (isinstance(items, list) and len(items) == 5):
        raise _malformed("a derived proof value is a CBOR array of 5 items")
    base_signature, public_key, signatures, compressed, indexes = items
    _check_common(base_signature, public_key, signatures)
    if not (
        isinstance(compressed, dict)
        and all(
            isinstance(k, int) and k >= 0 and isinstance(v, bytes) for k, v in compressed.items()
        )
    ):
        raise _malformed("the label map must map integers to byte strings")
    if not (isinstance(indexes, list) and all(isinstance(i, int) for i in indexes)):
        raise _malformed("mandatoryIndexes must be a list of integers")
    label_map = {f"c14n{k}": "u" + multibase.b64url_encode(v) for k, v in compressed.items()}
    return DerivedProofValue(base_signature, public_key, signatures, label_map, indexes)


# -- shared steps --------------------------------------------------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def proof_config(proof: JsonObject, document: JsonObject) -> JsonObject:
    """The proof options without ``proofValue``, with the document's ``@context``."""
    config: JsonObject = {"@context": document.get("@context")}
    config.update({k: v for k, v in proof.items() if k != "proofValue"})
    return config


def hash_proof_config(
    proof: JsonObject,
    document: JsonObject,
    *,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> bytes:
    """hashCanonizedProof: SHA-256 of the RDFC-1.0 form of :func:`proof_config`."""
    canonical = canonicalize(proof_config(proof, document), loader, canonicalizer)
    return _sha256(canonical.encode("utf-8"))


def hash_mandatory(mandatory: Sequence[str]) -> bytes:
    """hashMandatoryNQuads: SHA-256 of the mandatory N-Quads joined."""
    return _sha256("".join(mandatory).encode("utf-8"))


def base_signature_data(proof_hash: bytes, public_key: bytes, mandatory_hash: bytes) -> bytes:
    """serializeSignData: ``proofHash || publicKey || mandatoryHash``."""
    return proof_hash + public_key + mandatory_hash


def _proof_public_key(public_key: bytes) -> PublicKey:
    try:
        return PublicKey.from_raw(KeyType.P256, public_key[len(_P256_MULTIKEY) :])
    except KeyFormatError as exc:
        raise _malformed(f"publicKey: {exc}") from exc


def _verify_all(
    *,
    issuer_key: PublicKey,
    proof_hash: bytes,
    base_signature: bytes,
    public_key: bytes,
    signatures: Sequence[bytes],
    mandatory: Sequence[str],
    non_mandatory: Sequence[str],
) -> None:
    """Check every per-statement signature with the proof key, then the base signature
    with the issuer's key; raise :class:`CryptoError` (``proof.invalid``) at the first miss."""
    if len(signatures) != len(non_mandatory):
        raise CryptoError(
            f"the proof has {len(signatures)} signatures for {len(non_mandatory)} "
            "non-mandatory statements: the credential was changed",
            ProblemCode.PROOF_INVALID,
        )
    proof_key = _proof_public_key(public_key)
    for index, (signature, nquad) in enumerate(zip(signatures, non_mandatory, strict=True)):
        try:
            proof_key.verify(signature, nquad.encode("utf-8"))
        except CryptoError as exc:
            raise CryptoError(
                f"the signature of disclosed statement {index} does not match: the "
                "credential was changed after it was signed",
                ProblemCode.PROOF_INVALID,
            ) from exc
    data = base_signature_data(proof_hash, public_key, hash_mandatory(mandatory))
    try:
        issuer_key.verify(base_signature, data)
    except CryptoError as exc:
        raise CryptoError(
            "the issuer's ecdsa-sd-2023 base signature does not match the mandatory "
            "statements, the proof options and the proof key",
            ProblemCode.PROOF_INVALID,
        ) from exc


# -- suite registration ------------------------------------------------------------------


class EcdsaSd2023(Cryptosuite):
    """The suite as the Data Integrity machinery sees it (verification only: signing
    needs mandatory pointers and keys, so it is :func:`sign_base`)."""

    name: ClassVar[str] = NAME
    key_types: ClassVar[frozenset[KeyType]] = frozenset({KeyType.P256})
    transform_kind: ClassVar[str] = "ecdsa-sd"

    def transform(
        self,
        document: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        raise InputError(
            "ecdsa-sd-2023 proofs are made with lerkit.core.suites.ecdsa_sd_2023.sign_base "
            "(mandatory pointers) and derive (selective pointers)",
            ProblemCode.PROOF_UNSUPPORTED,
        )

    def canonicalize_config(
        self,
        proof_config: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        return canonicalize(proof_config, loader, canonicalizer).encode("utf-8")

    def sign(self, hash_data: bytes, key: PrivateKey) -> str:
        raise InputError(
            "ecdsa-sd-2023 proofs are made with lerkit.core.suites.ecdsa_sd_2023.sign_base",
            ProblemCode.PROOF_UNSUPPORTED,
        )

    def decode_proof_value(self, proof_value: object, key_type: KeyType) -> bytes:
        """The decoded ``proofValue`` (base or derived); ``proof.malformed`` if neither."""
        proof_value_kind(proof_value)
        return _decode(proof_value)

    def verify_document(
        self,
        unsecured: JsonObject,
        proof: JsonObject,
        public_key: PublicKey,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        confirm_base: bool = False,
    ) -> str:
        """Verify ``proof`` over ``unsecured``; returns what was verified, raises otherwise.

        A derived proof is verified as a verifier does. A base proof raises
        ``sd.base_proof`` unless ``confirm_base`` (the holder's own check).
        """
        self.check_key_type(public_key.key_type)
        if confirm_base and proof_value_kind(proof.get("proofValue")) == "base":
            confirm_base_proof(
                unsecured, proof, public_key, loader=loader, canonicalizer=canonicalizer
            )
            return (
                "ecdsa-sd-2023 base proof confirmed (the holder's check; derive a proof "
                "to present it)"
            )
        verify_derived(unsecured, proof, public_key, loader=loader, canonicalizer=canonicalizer)
        return "ecdsa-sd-2023 derived proof verified"


ECDSA_SD_2023 = register(EcdsaSd2023())


# -- issuer: base proof --------------------------------------------------------------------


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError("a proof time must be timezone-aware (e.g. datetime.now(UTC))")
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _with_context(document: JsonObject) -> JsonObject:
    """Append the Data Integrity context when ``@context`` does not define the proof terms."""
    contexts = document.get("@context")
    if contexts is None:
        raise InputError(
            "ecdsa-sd-2023 signs JSON-LD: the document needs an @context",
            ProblemCode.CONTEXT_INVALID,
        )
    listed = contexts if isinstance(contexts, list) else [contexts]
    known = (VC_V2_CONTEXT, DATA_INTEGRITY_V2_CONTEXT, DATA_INTEGRITY_V1_CONTEXT)
    if any(isinstance(c, str) and c in known for c in listed):
        return document
    return {**document, "@context": [*listed, DATA_INTEGRITY_V2_CONTEXT]}


def _check_pointers(pointers: object, what: str) -> list[str]:
    if not isinstance(pointers, (list, tuple)) or not all(isinstance(p, str) for p in pointers):
        raise InputError(
            f"{what} must be a list of JSON pointer strings", ProblemCode.SD_POINTER_INVALID
        )
    for pointer in pointers:
        sd.parse_pointer(pointer)
    return list(pointers)


@dataclass(frozen=True)
class BaseSignData:
    """createSignData / the intermediate values of a base proof (for tests and tooling)."""

    proof_hash: bytes
    mandatory_pointers: list[str]
    mandatory: dict[int, str]
    non_mandatory: dict[int, str]
    mandatory_hash: bytes
    label_map: dict[str, str]
    nquads: list[str]


def create_sign_data(
    document: JsonObject,
    proof: JsonObject,
    *,
    mandatory_pointers: Sequence[str],
    hmac_key: bytes,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> BaseSignData:
    """Steps 1-4 of the base proof: proof hash, HMAC-relabelled canonical N-Quads split into
    mandatory and non-mandatory, mandatory hash."""
    loader = loader or default_loader()
    proof_hash = hash_proof_config(proof, document, loader=loader, canonicalizer=canonicalizer)
    grouped = sd.canonicalize_and_group(
        document,
        sd.hmac_label_map_factory(hmac_key),
        {"mandatory": list(mandatory_pointers)},
        loader,
    )
    group = grouped.groups["mandatory"]
    return BaseSignData(
        proof_hash=proof_hash,
        mandatory_pointers=list(mandatory_pointers),
        mandatory=group.matching,
        non_mandatory=group.non_matching,
        mandatory_hash=hash_mandatory(list(group.matching.values())),
        label_map=grouped.label_map,
        nquads=grouped.nquads,
    )


def sign_base(
    unsigned_credential: JsonObject,
    key: PrivateKey,
    verification_method: str,
    *,
    mandatory_pointers: Sequence[str],
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    hmac_key: bytes | None = None,
    entropy: Callable[[int], bytes] | None = None,
    proof_key: PrivateKey | None = None,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> JsonObject:
    """The credential with an ecdsa-sd-2023 *base* proof by ``key`` (P-256), for the holder.

    ``mandatory_pointers``: JSON pointers to what every derived credential must reveal
    (see :func:`default_mandatory_pointers`). The HMAC key (32 bytes) and the per-proof
    P-256 key are ``hmac_key`` / ``proof_key`` when given, else drawn from ``entropy(n)``
    (called for 32 bytes of HMAC key, then 48 bytes for the proof key); one of the two
    must be given — the core draws no randomness itself.
    """
    if not isinstance(unsigned_credential, dict):
        raise InputError("a credential to sign must be a JSON object")
    check_json_value(unsigned_credential, "the credential to sign")
    if "proof" in unsigned_credential:
        raise InputError(
            "sign_base signs a credential without a proof (an ecdsa-sd-2023 base proof "
            "cannot join a proof set)"
        )
    ECDSA_SD_2023.check_key_type(key.key_type)
    pointers = _check_pointers(mandatory_pointers, "mandatory_pointers")
    if hmac_key is None:
        if entropy is None:
            raise InputError("sign_base needs hmac_key or entropy (the core draws no randomness)")
        hmac_key = entropy(32)
    if not (isinstance(hmac_key, bytes) and len(hmac_key) == 32):
        raise InputError("the HMAC key must be 32 bytes")
    if proof_key is None:
        if entropy is None:
            raise InputError("sign_base needs proof_key or entropy (the core draws no randomness)")
        proof_key = PrivateKey.generate(KeyType.P256, entropy(48))
    if proof_key.key_type is not KeyType.P256:
        raise KeyFormatError(
            "the ecdsa-sd-2023 proof key must be P-256", ProblemCode.KEY_UNSUPPORTED
        )

    document = _with_context(dict(unsigned_credential))
    for pointer in pointers:  # a derivation reveals from the credential itself
        sd.resolve_pointer(document, pointer)
    proof: JsonObject = {"type": DATA_INTEGRITY_PROOF, "cryptosuite": NAME}
    if created is not None:
        proof["created"] = _format_datetime(created)
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = proof_purpose

    data = create_sign_data(
        document,
        proof,
        mandatory_pointers=pointers,
        hmac_key=hmac_key,
        loader=loader,
        canonicalizer=canonicalizer,
    )
    signatures = [proof_key.sign(nq.encode("utf-8")) for nq in data.non_mandatory.values()]
    public_key = _P256_MULTIKEY + proof_key.public_key.raw
    base_signature = key.sign(base_signature_data(data.proof_hash, public_key, data.mandatory_hash))
    proof["proofValue"] = serialize_base_proof_value(
        BaseProofValue(base_signature, public_key, hmac_key, signatures, pointers)
    )
    signed = dict(document)
    signed["proof"] = proof
    return signed


# -- holder: derived proof -----------------------------------------------------------------


@dataclass(frozen=True)
class DerivedInput:
    """createDisclosureData: what a derived proof is made of, and the revealed document."""

    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]
    """Canonical label the verifier will compute (``c14nN``) -> HMAC label."""
    mandatory_indexes: list[int]
    reveal_document: JsonObject
    selective_indexes: list[int]
    """Absolute indexes (in the base document's canonical N-Quads) of the selected ones."""
    mandatory_absolute_indexes: list[int]
    combined_indexes: list[int]

    @property
    def proof_value(self) -> str:
        return serialize_derived_proof_value(
            DerivedProofValue(
                self.base_signature,
                self.public_key,
                self.signatures,
                self.label_map,
                self.mandatory_indexes,
            )
        )


def _base_proofs(credential: JsonObject) -> list[JsonObject]:
    raw = credential.get("proof")
    proofs = raw if isinstance(raw, list) else [raw] if raw is not None else []
    out = []
    for proof in proofs:
        if not (isinstance(proof, dict) and proof.get("cryptosuite") == NAME):
            continue
        try:
            if proof_value_kind(proof.get("proofValue")) == "base":
                out.append(proof)
        except InputError:
            continue
    return out


def find_base_proof(credential: JsonObject, proof_id: str | None = None) -> JsonObject:
    """The credential's ecdsa-sd-2023 base proof (the one with ``proof_id``, if given)."""
    proofs = _base_proofs(credential)
    if proof_id is not None:
        proofs = [p for p in proofs if p.get("id") == proof_id]
    if not proofs:
        raise InputError(
            "the credential has no ecdsa-sd-2023 base proof to derive from (a derived proof "
            "cannot be derived again)",
            ProblemCode.SD_NO_BASE_PROOF,
        )
    if len(proofs) > 1:
        raise InputError(
            "the credential has several ecdsa-sd-2023 base proofs: name one with proof_id",
            ProblemCode.SD_NO_BASE_PROOF,
        )
    return proofs[0]


def create_disclosure_data(
    document: JsonObject,
    proof: JsonObject,
    selective_pointers: Sequence[str],
    *,
    loader: DocumentLoader | None = None,
) -> DerivedInput:
    """createDisclosureData for ``document`` (without its proof) and its base ``proof``."""
    loader = loader or default_loader()
    base = parse_base_proof_value(proof.get("proofValue"))
    selective = _check_pointers(selective_pointers, "selective pointers")
    for pointer in selective:
        sd.resolve_pointer(document, pointer)
    if not base.mandatory_pointers and not selective:
        raise InputError(
            "nothing to disclose: the base proof has no mandatory pointers and no selective "
            "pointer was given",
            ProblemCode.SD_NOTHING_SELECTED,
        )
    combined_pointers = base.mandatory_pointers + selective
    grouped = sd.canonicalize_and_group(
        document,
        sd.hmac_label_map_factory(base.hmac_key),
        {
            "mandatory": base.mandatory_pointers,
            "selective": selective,
            "combined": combined_pointers,
        },
        loader,
    )
    mandatory = grouped.groups["mandatory"].matching
    selected = grouped.groups["selective"].matching
    combined = grouped.groups["combined"]
    combined_indexes = sorted(combined.matching)
    mandatory_indexes = [
        rel for rel, absolute in enumerate(combined_indexes) if absolute in mandatory
    ]
    non_mandatory_indexes = [i for i in range(len(grouped.nquads)) if i not in mandatory]
    if len(non_mandatory_indexes) != len(base.signatures):
        raise CryptoError(
            f"the base proof has {len(base.signatures)} signatures for "
            f"{len(non_mandatory_indexes)} non-mandatory statements: it does not belong to "
            "this credential",
            ProblemCode.PROOF_INVALID,
        )
    signatures = [
        sig
        for sig, index in zip(base.signatures, non_mandatory_indexes, strict=True)
        if index in selected
    ]
    reveal = sd.select_json_ld(document, combined_pointers)
    assert reveal is not None  # combined_pointers is not empty
    verifier_ids, _ = sd.canonical_id_map(combined.deskolemized_quads)
    label_map = {c14n: grouped.label_map[label] for label, c14n in verifier_ids.items()}
    label_map = dict(sorted(label_map.items(), key=lambda kv: int(kv[0][4:])))
    return DerivedInput(
        base_signature=base.base_signature,
        public_key=base.public_key,
        signatures=signatures,
        label_map=label_map,
        mandatory_indexes=mandatory_indexes,
        reveal_document=reveal,
        selective_indexes=sorted(selected),
        mandatory_absolute_indexes=sorted(mandatory),
        combined_indexes=combined_indexes,
    )


def derive(
    base_credential: JsonObject,
    selective_pointers: Sequence[str],
    *,
    presentation_header: bytes | None = None,
    proof_id: str | None = None,
    loader: DocumentLoader | None = None,
) -> JsonObject:
    """The credential the holder presents: the mandatory parts and those
    ``selective_pointers`` name, with a derived proof.

    ``presentation_header`` belongs to bbs-2023; ecdsa-sd-2023 has none (bind a derived
    credential to a verifier with a presentation's challenge and domain), so it must be None.
    """
    if presentation_header is not None:
        raise InputError(
            "ecdsa-sd-2023 has no presentation header (that is bbs-2023): put the derived "
            "credential in a presentation signed for the verifier's challenge and domain"
        )
    if not isinstance(base_credential, dict):
        raise InputError("a credential must be a JSON object")
    check_json_value(base_credential, "the credential")
    base_proof = find_base_proof(base_credential, proof_id)
    document = {k: v for k, v in base_credential.items() if k != "proof"}
    data = create_disclosure_data(document, base_proof, selective_pointers, loader=loader)
    new_proof = {k: v for k, v in base_proof.items() if k != "@context"}
    new_proof["proofValue"] = data.proof_value
    revealed = dict(data.reveal_document)
    revealed["proof"] = new_proof
    return revealed


# -- verifier and holder checks ----------------------------------------------------------


@dataclass(frozen=True)
class VerifyData:
    """createVerifyData of a derived proof."""

    base_signature: bytes
    proof_hash: bytes
    public_key: bytes
    signatures: list[bytes]
    mandatory: list[str]
    non_mandatory: list[str]
    nquads: list[str]

    @property
    def mandatory_hash(self) -> bytes:
        return hash_mandatory(self.mandatory)


def create_verify_data(
    document: JsonObject,
    proof: JsonObject,
    *,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> VerifyData:
    """createVerifyData: the revealed document's N-Quads, relabelled with the proof's label
    map and split by the mandatory indexes."""
    loader = loader or default_loader()
    derived = parse_derived_proof_value(proof.get("proofValue"))
    proof_hash = hash_proof_config(proof, document, loader=loader, canonicalizer=canonicalizer)
    try:
        canonical = sd.label_replacement_canonicalize(
            sd.document_quads(document, loader), sd.given_label_map_factory(derived.label_map)
        )
    except InputError as exc:
        if exc.code is not ProblemCode.INPUT_MALFORMED:
            raise
        raise CryptoError(
            f"the revealed credential does not match the derived proof: {exc.message}",
            ProblemCode.PROOF_INVALID,
        ) from exc
    wanted = set(derived.mandatory_indexes)
    if any(i < 0 or i >= len(canonical.nquads) for i in wanted):
        raise CryptoError(
            "the derived proof names mandatory statements the credential does not have",
            ProblemCode.PROOF_INVALID,
        )
    mandatory = [nq for i, nq in enumerate(canonical.nquads) if i in wanted]
    non_mandatory = [nq for i, nq in enumerate(canonical.nquads) if i not in wanted]
    return VerifyData(
        derived.base_signature,
        proof_hash,
        derived.public_key,
        derived.signatures,
        mandatory,
        non_mandatory,
        canonical.nquads,
    )


def verify_derived(
    document: JsonObject,
    proof: JsonObject,
    issuer_key: PublicKey,
    *,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> None:
    """Verify a derived ``proof`` over ``document`` (the revealed credential without its
    proof) with the issuer's key. Raises :class:`CryptoError` (``proof.invalid``,
    ``sd.base_proof``) or :class:`InputError` (``proof.malformed``)."""
    ECDSA_SD_2023.check_key_type(issuer_key.key_type)
    data = create_verify_data(document, proof, loader=loader, canonicalizer=canonicalizer)
    _verify_all(
        issuer_key=issuer_key,
        proof_hash=data.proof_hash,
        base_signature=data.base_signature,
        public_key=data.public_key,
        signatures=data.signatures,
        mandatory=data.mandatory,
        non_mandatory=data.non_mandatory,
    )


def confirm_base_proof(
    document: JsonObject,
    proof: JsonObject,
    issuer_key: PublicKey,
    *,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> None:
    """The holder's check of a base proof it received: every statement's signature and the
    issuer's base signature, recomputed with the HMAC key the base proof carries."""
    ECDSA_SD_2023.check_key_type(issuer_key.key_type)
    base = parse_base_proof_value(proof.get("proofValue"))
    data = create_sign_data(
        document,
        {k: v for k, v in proof.items() if k != "proofValue"},
        mandatory_pointers=base.mandatory_pointers,
        hmac_key=base.hmac_key,
        loader=loader,
        canonicalizer=canonicalizer,
    )
    _verify_all(
        issuer_key=issuer_key,
        proof_hash=data.proof_hash,
        base_signature=base.base_signature,
        public_key=base.public_key,
        signatures=base.signatures,
        mandatory=list(data.mandatory.values()),
        non_mandatory=list(data.non_mandatory.values()),
    )


# -- the holder's choice -------------------------------------------------------------------


def _is_covered(pointer: str, by: Sequence[list[str]]) -> bool:
    tokens = sd.parse_pointer(pointer)
    return any(tokens[: len(m)] == m for m in by)


def disclosable_pointers(base_credential: JsonObject) -> list[str]:
    """JSON pointers a holder can choose to disclose, in document order: every member and
    array element that the base proof's mandatory pointers do not already reveal (``id`` and
    ``type`` come with their object and are not listed; ``@context`` always comes)."""
    proof = find_base_proof(base_credential)
    base = parse_base_proof_value(proof.get("proofValue"))
    mandatory = [sd.parse_pointer(p) for p in base.mandatory_pointers]
    if [] in mandatory:
        return []
    out: list[str] = []

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            items: list[tuple[str, Any]] = [
                (k, v) for k, v in value.items() if k not in ("id", "type", "@context", "proof")
            ]
        elif isinstance(value, list):
            items = [(str(i), v) for i, v in enumerate(value)]
        else:
            return
        for key, child in items:
            child_pointer = f"{pointer}/{sd.escape_token(key)}"
            if _is_covered(child_pointer, mandatory):
                continue
            out.append(child_pointer)
            walk(child, child_pointer)

    walk({k: v for k, v in base_credential.items() if k != "proof"}, "")
    return out


__all__ = [
    "BASE_HEADER",
    "DERIVED_HEADER",
    "ECDSA_SD_2023",
    "NAME",
    "OB3_MANDATORY_CANDIDATES",
    "BaseProofValue",
    "BaseSignData",
    "DerivedInput",
    "DerivedProofValue",
    "EcdsaSd2023",
    "VerifyData",
    "confirm_base_proof",
    "create_disclosure_data",
    "create_sign_data",
    "create_verify_data",
    "default_mandatory_pointers",
    "derive",
    "disclosable_pointers",
    "find_base_proof",
    "hash_mandatory",
    "hash_proof_config",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "proof_value_kind",
    "serialize_base_proof_value",
    "serialize_derived_proof_value",
    "sign_base",
    "verify_derived",
]
