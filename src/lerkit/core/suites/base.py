"""The cryptosuite interface, split into the steps the Data Integrity specifications name.

A cryptosuite turns a document and a proof configuration into bytes to sign:

1. **proof configuration** (:meth:`Cryptosuite.configure`): the proof options minus
   ``proofValue``, checked against the suite, with the ``@context`` the suite wants;
2. **transformation** (:meth:`Cryptosuite.transform`): the canonical form of the document
   (RDFC-1.0 N-Quads or JCS bytes);
3. **hashing** (:meth:`Cryptosuite.hash`): ``H(canonical proof config) || H(canonical doc)``,
   proof hash first;
4. **serialization** (:meth:`Cryptosuite.sign`): the signature over the hash data, as a
   multibase ``proofValue``; :meth:`Cryptosuite.verify` is its inverse.

The proof-set, proof-chain and verification-method logic lives in
:mod:`lerkit.core.dataintegrity`; the suites only know their own algorithm. Transformation is
split from the rest so a caller verifying several proofs over one document canonicalizes the
document once (:attr:`Cryptosuite.transform_kind` names what can be shared).

Errors: :class:`~lerkit.core.errors.InputError` (``proof.malformed``) for an unusable
``proofValue``, :class:`~lerkit.core.errors.KeyFormatError` (``key.unsupported``) for a key of
the wrong type, :class:`~lerkit.core.errors.CryptoError` (``proof.invalid``) for a signature
that does not verify. JSON-LD errors come from :mod:`lerkit.core.jsonld` unchanged.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

from lerkit.core import multibase
from lerkit.core.errors import CryptoError, InputError, KeyFormatError, ProblemCode
from lerkit.core.jsonld import (
    Canonicalizer,
    DocumentLoader,
    PyldCanonicalizer,
    canonicalize,
    jcs,
)
from lerkit.core.keys import KeyType, PrivateKey, PublicKey
from lerkit.core.types import JsonObject

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
DATA_INTEGRITY_V1_CONTEXT = "https://w3id.org/security/data-integrity/v1"

_HASHES: dict[KeyType, Callable[[bytes], bytes]] = {
    KeyType.ED25519: lambda data: hashlib.sha256(data).digest(),
    KeyType.P256: lambda data: hashlib.sha256(data).digest(),
    KeyType.P384: lambda data: hashlib.sha384(data).digest(),
}
_HASH_NAMES = {KeyType.ED25519: "sha256", KeyType.P256: "sha256", KeyType.P384: "sha384"}
_SIGNATURE_SIZES = {KeyType.ED25519: 64, KeyType.P256: 64, KeyType.P384: 96}


def hash_algorithm(key_type: KeyType) -> str:
    """The hash a suite uses with ``key_type``: SHA-384 for P-384, else SHA-256."""
    return _HASH_NAMES[key_type]


@runtime_checkable
class HashSelectableCanonicalizer(Protocol):
    """A :class:`Canonicalizer` that can run RDFC-1.0 with another hash than SHA-256."""

    def with_hash_algorithm(self, hash_algorithm: str) -> Canonicalizer: ...


_PYLD_BY_HASH: dict[str, PyldCanonicalizer] = {}


def canonicalizer_for(canonicalizer: Canonicalizer | None, algorithm: str) -> Canonicalizer | None:
    """The canonicalizer to use with RDFC-1.0 hash ``algorithm``.

    SHA-256 is every canonicalizer's default. For SHA-384 (ecdsa-rdfc-2019 with P-384) a
    canonicalizer that cannot switch its hash is replaced by pyld's, which can.
    """
    if algorithm == "sha256":
        return canonicalizer
    if isinstance(canonicalizer, HashSelectableCanonicalizer):
        return canonicalizer.with_hash_algorithm(algorithm)
    if algorithm not in _PYLD_BY_HASH:
        _PYLD_BY_HASH[algorithm] = PyldCanonicalizer(algorithm)
    return _PYLD_BY_HASH[algorithm]


class Cryptosuite(ABC):
    """One Data Integrity cryptosuite (or legacy Linked Data Signature proof type)."""

    name: ClassVar[str]
    """The ``cryptosuite`` value, or the proof ``type`` for legacy suites."""
    proof_type: ClassVar[str] = DATA_INTEGRITY_PROOF
    key_types: ClassVar[frozenset[KeyType]]
    """Key types this suite signs with; any other is refused."""
    transform_kind: ClassVar[str]
    """``"rdfc"`` or ``"jcs"``: suites of one kind share a document's canonical form."""
    context_terms: ClassVar[tuple[str, ...]] = (
        VC_V2_CONTEXT,
        DATA_INTEGRITY_V2_CONTEXT,
        DATA_INTEGRITY_V1_CONTEXT,
    )
    """Contexts of which one must be in the document for the proof's terms to be defined."""
    context_to_add: ClassVar[str] = DATA_INTEGRITY_V2_CONTEXT
    """The context appended to a document that has none of :attr:`context_terms`."""
    proof_carries_context: ClassVar[bool] = False
    """True when the signed proof itself holds ``@context`` (the JCS suites)."""

    # -- step 1: proof configuration -------------------------------------------------------

    def configure(self, proof_options: JsonObject, document: JsonObject) -> JsonObject:
        """The proof configuration: ``proof_options`` (no ``proofValue``) with the suite's
        ``type``/``cryptosuite`` checked and ``@context`` copied from ``document``."""
        if proof_options.get("type") != self.proof_type:
            raise InputError(
                f"proof type {proof_options.get('type')!r} is not {self.proof_type!r}",
                ProblemCode.PROOF_MALFORMED,
            )
        if (
            self.proof_type == DATA_INTEGRITY_PROOF
            and proof_options.get("cryptosuite") != self.name
        ):
            raise InputError(
                f"cryptosuite {proof_options.get('cryptosuite')!r} is not {self.name!r}",
                ProblemCode.PROOF_MALFORMED,
            )
        config = {k: v for k, v in proof_options.items() if k not in ("proofValue", "@context")}
        if "@context" in document:
            config["@context"] = document["@context"]
        return config

    def prepare_document(self, unsecured: JsonObject, proof_options: JsonObject) -> JsonObject:
        """The unsecured document as the suite's verify algorithm sees it (unchanged here)."""
        return unsecured

    # -- step 2: transformation ------------------------------------------------------------

    @abstractmethod
    def transform(
        self,
        document: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        """Canonical bytes of the unsecured ``document`` (no ``proof``); ``key_type`` picks
        the RDFC-1.0 hash (SHA-384 for P-384)."""

    @abstractmethod
    def canonicalize_config(
        self,
        proof_config: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        """Canonical bytes of the proof configuration."""

    # -- step 3: hashing -------------------------------------------------------------------

    def hash(self, canonical_config: bytes, canonical_document: bytes, key_type: KeyType) -> bytes:
        """``H(canonical_config) || H(canonical_document)``; H is chosen by the key type."""
        digest = _HASHES[key_type]  # SHA-384 for P-384, SHA-256 otherwise
        return digest(canonical_config) + digest(canonical_document)

    # -- step 4: serialization and verification --------------------------------------------

    def check_key_type(self, key_type: KeyType) -> None:
        """Refuse a key this suite does not sign with."""
        if key_type not in self.key_types:
            allowed = ", ".join(sorted(str(k) for k in self.key_types))
            raise KeyFormatError(
                f"{self.name} needs a {allowed} key, not {key_type}", ProblemCode.KEY_UNSUPPORTED
            )

    def sign(self, hash_data: bytes, key: PrivateKey) -> str:
        """The ``proofValue``: ``z`` + base58btc of the signature over ``hash_data``."""
        self.check_key_type(key.key_type)
        return multibase.encode(key.sign(hash_data), "z")

    def decode_proof_value(self, proof_value: object, key_type: KeyType) -> bytes:
        """The raw signature of a ``proofValue``; ``proof.malformed`` if it is not one."""
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            raise InputError(
                "proofValue must be a base58btc multibase string (starting with 'z')",
                ProblemCode.PROOF_MALFORMED,
            )
        try:
            signature = multibase.decode(proof_value)
        except KeyFormatError as exc:
            raise InputError(f"proofValue: {exc}", ProblemCode.PROOF_MALFORMED) from exc
        size = _SIGNATURE_SIZES[key_type]
        if len(signature) != size:
            raise InputError(
                f"a {self.name} signature with a {key_type} key is {size} bytes, "
                f"proofValue holds {len(signature)}",
                ProblemCode.PROOF_MALFORMED,
            )
        return signature

    def verify(self, hash_data: bytes, proof_value: object, public_key: PublicKey) -> None:
        """Raise unless ``proof_value`` is a signature of ``hash_data`` by ``public_key``."""
        self.check_key_type(public_key.key_type)
        signature = self.decode_proof_value(proof_value, public_key.key_type)
        try:
            public_key.verify(signature, hash_data)
        except CryptoError as exc:
            raise CryptoError(
                f"the {self.name} signature does not match the document and proof options",
                ProblemCode.PROOF_INVALID,
            ) from exc


class RdfcSuite(Cryptosuite):
    """Base of the suites that canonicalize with RDFC-1.0 (JSON-LD safe mode)."""

    transform_kind: ClassVar[str] = "rdfc"

    def transform(
        self,
        document: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        if "@context" not in document:
            raise InputError(
                f"{self.name} signs JSON-LD: the document needs an @context",
                ProblemCode.CONTEXT_INVALID,
            )
        chosen = canonicalizer_for(canonicalizer, hash_algorithm(key_type))
        try:
            return canonicalize(document, loader, chosen).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: not Unicode text
            raise InputError("the document holds a string that is not Unicode text") from exc

    def canonicalize_config(
        self,
        proof_config: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        return self.transform(
            proof_config, loader=loader, canonicalizer=canonicalizer, key_type=key_type
        )


class JcsSuite(Cryptosuite):
    """Base of the suites that canonicalize with JCS (RFC 8785); no JSON-LD processing."""

    transform_kind: ClassVar[str] = "jcs"
    proof_carries_context: ClassVar[bool] = True

    def transform(
        self,
        document: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        return jcs(document)

    def canonicalize_config(
        self,
        proof_config: JsonObject,
        *,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        key_type: KeyType,
    ) -> bytes:
        return jcs(proof_config)

    def configure(self, proof_options: JsonObject, document: JsonObject) -> JsonObject:
        """The proof options as they are (the proof itself carries ``@context``, copied from
        the document when it was created); on verify the document's ``@context`` must start
        with the proof's."""
        config = super().configure(proof_options, {})
        if "@context" in proof_options:
            proof_ctx = _as_list(proof_options["@context"])
            doc_ctx = _as_list(document.get("@context"))
            if doc_ctx[: len(proof_ctx)] != proof_ctx:
                raise CryptoError(
                    "the document's @context does not start with the proof's @context",
                    ProblemCode.PROOF_INVALID,
                )
            config["@context"] = proof_options["@context"]
        return config

    def prepare_document(self, unsecured: JsonObject, proof_options: JsonObject) -> JsonObject:
        """JCS verify: a proof's own ``@context`` replaces the document's."""
        if "@context" in proof_options:
            return {**unsecured, "@context": proof_options["@context"]}
        return unsecured


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


_REGISTRY: dict[str, Cryptosuite] = {}


_S = TypeVar("_S", bound="Cryptosuite")


def register(suite: _S) -> _S:
    """Add a suite to the registry under its :attr:`~Cryptosuite.name`."""
    _REGISTRY[suite.name] = suite
    return suite


def get_suite(name: str) -> Cryptosuite:
    """The suite named ``name`` (a ``cryptosuite`` value, or ``Ed25519Signature2020``).

    Raises :class:`InputError` with ``proof.unsupported_suite`` for any other name,
    including the pre-Recommendation ``eddsa-2022``.
    """
    suite = _REGISTRY.get(name) if isinstance(name, str) else None
    if suite is None:
        raise InputError(
            f"unsupported cryptosuite {name!r}; supported: {', '.join(sorted(_REGISTRY))}",
            ProblemCode.PROOF_UNSUPPORTED,
        )
    return suite


def suite_names() -> list[str]:
    """Every registered suite name."""
    return sorted(_REGISTRY)


def suite_for_proof(proof: JsonObject) -> Cryptosuite:
    """The suite that verifies ``proof``, from its ``type`` and ``cryptosuite``."""
    proof_type = proof.get("type")
    if proof_type == DATA_INTEGRITY_PROOF:
        cryptosuite = proof.get("cryptosuite")
        if not isinstance(cryptosuite, str):
            raise InputError(
                "a DataIntegrityProof needs a 'cryptosuite' string", ProblemCode.PROOF_MALFORMED
            )
        suite = get_suite(cryptosuite)
        if suite.proof_type != DATA_INTEGRITY_PROOF:
            raise InputError(
                f"{cryptosuite!r} is a proof type, not a cryptosuite", ProblemCode.PROOF_UNSUPPORTED
            )
        return suite
    if isinstance(proof_type, str):
        suite = get_suite(proof_type)
        if suite.proof_type != proof_type:
            raise InputError(
                f"unsupported proof type {proof_type!r}", ProblemCode.PROOF_UNSUPPORTED
            )
        return suite
    raise InputError("the proof has no 'type' string", ProblemCode.PROOF_MALFORMED)
