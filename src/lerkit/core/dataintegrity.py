"""W3C Data Integrity: add a proof to a document, verify every proof of a document.

``add_proof`` signs with one of the suites of :mod:`lerkit.core.suites` and keeps any proof
already there (a *proof set*); with ``previous_proof`` the new proof also signs the proofs
it names (a *proof chain*), as in W3C vc-data-integrity §4.2.

``verify_proofs`` never raises for a bad proof: it returns one :class:`ProofCheck` per proof,
each with a stable :class:`~lerkit.core.errors.ProblemCode`, and keeps "could not check"
(the controller document or a context could not be obtained) apart from "invalid".

Errors raised here (by ``add_proof``, and by ``verify_proofs`` only for caller mistakes such
as a naive ``now``) are those of :mod:`lerkit.core.errors`::

    LerkitError
    ├── InputError          malformed document or options (proof.malformed, ...)
    │   └── KeyFormatError  the key does not fit the suite (key.unsupported)
    └── SigningError        signing refused (key is not the did:key named, context clash)

The core is pure: the time (``created``, ``now``), the DID resolver and the JSON-LD loader
are arguments.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lerkit.core.dids.base import (
    DidResolver,
    VerificationMethod,
    find_verification_method,
    split_did_url,
)
from lerkit.core.errors import (
    CryptoError,
    InputError,
    KeyFormatError,
    LerkitError,
    ProblemCode,
    ResolutionError,
    SigningError,
    could_not_check,
)
from lerkit.core.jsonld import Canonicalizer, DocumentLoader, default_loader
from lerkit.core.jsonvalue import check_json_value
from lerkit.core.keys import KeyType, PrivateKey, PublicKey
from lerkit.core.suites import Cryptosuite, get_suite, suite_for_proof
from lerkit.core.suites.base import hash_algorithm
from lerkit.core.suites.ecdsa_sd_2023 import EcdsaSd2023
from lerkit.core.types import JsonObject

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a proof's ``created`` may be before it is refused."""

ACCEPTED_METHOD_TYPES = frozenset(
    {"Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020"}
)
"""Verification method types whose key the suites accept (the key type is checked too)."""

_DATETIME_STAMP = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


# -- times ---------------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """XMLSchema ``dateTimeStamp`` in UTC with ``Z`` and no fractional seconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError("a proof time must be timezone-aware (e.g. datetime.now(UTC))")
    utc = value.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"


def parse_datetime(value: object, name: str) -> datetime:
    """Parse an XMLSchema ``dateTimeStamp`` (time zone required); ``proof.malformed`` if not."""
    match = _DATETIME_STAMP.match(value) if isinstance(value, str) else None
    if match is None:
        raise InputError(
            f"proof {name} {value!r} is not an XML Schema dateTimeStamp "
            "(like 2024-01-01T00:00:00Z)",
            ProblemCode.PROOF_MALFORMED,
        )
    main, fraction, zone = match.groups()
    text = main + (fraction or "")[:7] + ("+00:00" if zone == "Z" else zone)
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"proof {name} {value!r}: {exc}", ProblemCode.PROOF_MALFORMED) from exc


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"{name} must be timezone-aware (e.g. datetime.now(UTC))")
    return value


# -- options and helpers -------------------------------------------------------------------


@dataclass(frozen=True)
class ProofOptions:
    """What the signer chooses for a new proof. Times are passed in (the core has no clock)."""

    cryptosuite: str
    """``eddsa-rdfc-2022``, ``eddsa-jcs-2022``, ``ecdsa-rdfc-2019``, ``ecdsa-jcs-2019`` or
    the legacy proof type ``Ed25519Signature2020``."""
    verification_method: str
    proof_purpose: str = "assertionMethod"
    created: datetime | None = None
    expires: datetime | None = None
    challenge: str | None = None
    domain: str | list[str] | None = None
    nonce: str | None = None
    id: str | None = None
    previous_proof: str | list[str] | None = None

    def proof_options(self, suite: Cryptosuite) -> JsonObject:
        """The proof object without ``proofValue``, members in the order the W3C vectors use."""
        proof: JsonObject = {"type": suite.proof_type}
        if self.id is not None:
            proof["id"] = self.id
        if suite.proof_type == "DataIntegrityProof":
            proof["cryptosuite"] = suite.name
        if self.created is not None:
            proof["created"] = format_datetime(self.created)
        if self.expires is not None:
            proof["expires"] = format_datetime(self.expires)
        proof["verificationMethod"] = self.verification_method
        proof["proofPurpose"] = self.proof_purpose
        if self.challenge is not None:
            proof["challenge"] = self.challenge
        if self.domain is not None:
            proof["domain"] = list(self.domain) if isinstance(self.domain, list) else self.domain
        if self.nonce is not None:
            proof["nonce"] = self.nonce
        if self.previous_proof is not None:
            prev = self.previous_proof
            proof["previousProof"] = list(prev) if isinstance(prev, list) else prev
        return proof


def multikey_verification_method(key: PublicKey | PrivateKey, controller: str) -> JsonObject:
    """A ``Multikey`` verification method ``<controller>#<publicKeyMultibase>`` for ``key``."""
    public = key.public_key if isinstance(key, PrivateKey) else key
    multikey = public.multikey
    return {
        "id": f"{controller}#{multikey}",
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey,
    }


def _as_str_list(value: object) -> list[str] | None:
    """``value`` as a list of strings, or None if it is neither a string nor such a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _existing_proofs(document: JsonObject) -> list[JsonObject]:
    raw = document.get("proof")
    if raw is None:
        return []
    proofs = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(p, dict) for p in proofs):
        raise InputError("the document's proof must be an object or a list of objects")
    return list(proofs)


def _with_suite_context(document: JsonObject, suite: Cryptosuite, has_proofs: bool) -> JsonObject:
    """Append the suite's context when the document's ``@context`` does not define its terms."""
    if "@context" not in document:
        return document
    contexts = document["@context"]
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if any(c in suite.context_terms for c in context_list if isinstance(c, str)):
        return document
    if has_proofs:
        raise SigningError(
            f"the document's @context does not define the {suite.name} terms and adding "
            f"{suite.context_to_add} would break the proofs it already has"
        )
    return {**document, "@context": [*context_list, suite.context_to_add]}


def _check_did_key(verification_method: str, key: PrivateKey) -> None:
    if not verification_method.startswith("did:key:"):
        return
    base, _ = split_did_url(verification_method)
    if base != f"did:key:{key.public_key.multikey}":
        raise SigningError(
            f"the signing key is not the key of {verification_method!r}",
            ProblemCode.SIGNING_REFUSED,
        )


# -- add -----------------------------------------------------------------------------------


def add_proof(
    document: JsonObject,
    key: PrivateKey,
    options: ProofOptions,
    *,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> JsonObject:
    """A new document with a proof by ``key`` added; ``document`` is not changed.

    Proofs already on the document are kept (the result's ``proof`` is then a list). With
    ``options.previous_proof`` the new proof also covers the proofs with those ids.
    A document whose ``@context`` lacks the suite's terms gets the suite's context appended
    (``https://w3id.org/security/data-integrity/v2``, or the Ed25519Signature2020 context).

    Raises :class:`KeyFormatError` (``key.unsupported``) when the key does not fit the suite,
    :class:`InputError` for an unknown suite (``proof.unsupported_suite``) or a malformed
    document, :class:`SigningError` when a ``did:key`` method names another key or
    ``previous_proof`` names a proof the document does not have, and the JSON-LD errors of
    :mod:`lerkit.core.jsonld` (undefined terms, unknown contexts).
    """
    if not isinstance(document, dict):
        raise InputError("a document to sign must be a JSON object")
    check_json_value(document, "the document to sign")
    suite = get_suite(options.cryptosuite)
    if isinstance(suite, EcdsaSd2023):
        raise InputError(
            "an ecdsa-sd-2023 base proof needs mandatory pointers and a per-proof key: use "
            "lerkit.core.suites.ecdsa_sd_2023.sign_base (or lerkit.core.issuer.issue)",
            ProblemCode.PROOF_UNSUPPORTED,
        )
    suite.check_key_type(key.key_type)
    _check_did_key(options.verification_method, key)
    document = copy.deepcopy(document)
    existing = _existing_proofs(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    unsecured = _with_suite_context(unsecured, suite, has_proofs=bool(existing))

    proof = options.proof_options(suite)
    if suite.proof_carries_context and "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    to_sign = unsecured
    previous = options.previous_proof
    if previous is not None:
        wanted = _as_str_list(previous)
        if wanted is None:
            raise InputError("previous_proof must be a proof id or a non-empty list of ids")
        by_id = {p.get("id"): p for p in existing}
        missing = [w for w in wanted if w not in by_id]
        if missing:
            raise SigningError(f"previous proof(s) {missing} are not on the document")
        to_sign = {**unsecured, "proof": [by_id[w] for w in wanted]}

    loader = loader or default_loader()
    config = suite.configure(proof, to_sign)
    canonical_document = suite.transform(
        to_sign, loader=loader, canonicalizer=canonicalizer, key_type=key.key_type
    )
    canonical_config = suite.canonicalize_config(
        config, loader=loader, canonicalizer=canonicalizer, key_type=key.key_type
    )
    hash_data = suite.hash(canonical_config, canonical_document, key.key_type)
    proof["proofValue"] = suite.sign(hash_data, key)
    signed = dict(unsecured)
    signed["proof"] = [*existing, proof] if existing else proof
    return signed


# -- verify --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof."""

    proof: JsonObject
    ok: bool
    code: ProblemCode | None
    """None when ok."""
    message: str
    could_not_check: bool
    """True when something needed (controller document, context) could not be obtained:
    the proof is not shown invalid, only unchecked."""
    verification_method: VerificationMethod | None


def _fail(
    proof: JsonObject, code: ProblemCode, message: str, vm: VerificationMethod | None = None
) -> ProofCheck:
    return ProofCheck(proof, False, code, message, False, vm)


def _malformed(message: str) -> InputError:
    return InputError(message, ProblemCode.PROOF_MALFORMED)


def _check_shape(proof: JsonObject) -> None:
    """Refuse a proof whose members have the wrong JSON types."""
    for name in ("type", "proofPurpose", "verificationMethod", "proofValue"):
        if name not in proof:
            raise _malformed(f"the proof has no {name!r}")
        if not isinstance(proof[name], str) or not proof[name]:
            raise _malformed(f"the proof's {name!r} must be a non-empty string")
    for name in ("id", "cryptosuite", "created", "expires", "challenge", "nonce"):
        if name in proof and not isinstance(proof[name], str):
            raise _malformed(f"the proof's {name!r} must be a string")
    for name in ("domain", "previousProof"):
        if name in proof and _as_str_list(proof[name]) is None:
            raise _malformed(f"the proof's {name!r} must be a string or a list of strings")


def _check_policy(
    proof: JsonObject,
    *,
    now: datetime,
    expected_purpose: str,
    challenge: str | None,
    domain: str | Sequence[str] | None,
) -> None:
    if proof["proofPurpose"] != expected_purpose:
        raise CryptoError(
            f"the proof is for {proof['proofPurpose']!r}, {expected_purpose!r} was expected",
            ProblemCode.PROOF_PURPOSE_MISMATCH,
        )
    if challenge is not None and proof.get("challenge") != challenge:
        raise CryptoError(
            "the proof's challenge is missing or not the one expected",
            ProblemCode.PROOF_CHALLENGE_MISMATCH,
        )
    if domain is not None:
        expected = {domain} if isinstance(domain, str) else set(domain)
        given = set(_as_str_list(proof.get("domain")) or [])
        if not expected & given:
            raise CryptoError(
                "the proof's domain is missing or not one expected",
                ProblemCode.PROOF_DOMAIN_MISMATCH,
            )
    if "created" in proof:
        created = parse_datetime(proof["created"], "created")
        if created > now + CLOCK_SKEW:
            raise CryptoError(
                f"the proof was created in the future ({proof['created']})",
                ProblemCode.PROOF_CREATED_IN_FUTURE,
            )
    if "expires" in proof:
        expires = parse_datetime(proof["expires"], "expires")
        if now > expires:
            raise CryptoError(f"the proof expired at {proof['expires']}", ProblemCode.PROOF_EXPIRED)


def _resolve_method(proof: JsonObject, resolver: DidResolver) -> VerificationMethod:
    method_id: str = proof["verificationMethod"]
    base, fragment = split_did_url(method_id)
    if fragment is None and base.startswith("did:key:"):
        # A bare did:key names its one key (some issuers, e.g. in the 1EdTech fixtures,
        # omit the fragment): read it as did:key:X#X.
        method_id = f"{base}#{base[len('did:key:') :]}"
    controller_doc = resolver.resolve(base)
    if not isinstance(controller_doc, dict):
        raise ResolutionError(
            f"the controller document of {base!r} is not a JSON object",
            ProblemCode.DID_DOCUMENT_INVALID,
        )
    if controller_doc.get("id") != base:
        raise ResolutionError(
            f"the controller document fetched for {base!r} has id {controller_doc.get('id')!r}",
            ProblemCode.DID_DOCUMENT_INVALID,
        )
    method = find_verification_method(controller_doc, method_id, proof["proofPurpose"])
    if method.type not in ACCEPTED_METHOD_TYPES:
        raise KeyFormatError(
            f"verification method type {method.type!r} is not supported "
            f"(use one of {', '.join(sorted(ACCEPTED_METHOD_TYPES))})",
            ProblemCode.KEY_UNSUPPORTED,
        )
    return method


class _Verifier:
    """Verifies the proofs of one document, canonicalizing each document variant once."""

    def __init__(
        self,
        document: JsonObject,
        proofs: list[object],
        *,
        resolver: DidResolver,
        loader: DocumentLoader,
        canonicalizer: Canonicalizer | None,
        confirm_sd_base: bool = False,
    ) -> None:
        self.unsecured = {k: v for k, v in document.items() if k != "proof"}
        self.confirm_sd_base = confirm_sd_base
        self.proofs = proofs
        self.resolver = resolver
        self.loader = loader
        self.canonicalizer = canonicalizer
        self.index_by_id: dict[str, int] = {}
        for index, proof in enumerate(proofs):
            if isinstance(proof, dict) and isinstance(proof.get("id"), str):
                self.index_by_id.setdefault(proof["id"], index)
        self._memo: dict[tuple[str, tuple[int, ...]], bytes | LerkitError] = {}

    def _document_for(self, proof: JsonObject) -> tuple[JsonObject, tuple[int, ...]]:
        """The document the proof signed: with the proofs of ``previousProof``, if any."""
        refs = _as_str_list(proof.get("previousProof")) if "previousProof" in proof else []
        indexes: list[int] = []
        for ref in refs or []:
            index = self.index_by_id.get(ref)
            if index is None or self.proofs[index] is proof:
                raise CryptoError(
                    f"previousProof {ref!r} is not another proof of this document",
                    ProblemCode.PROOF_INVALID,
                )
            indexes.append(index)
        if not indexes:
            return self.unsecured, ()
        return {**self.unsecured, "proof": [self.proofs[i] for i in indexes]}, tuple(indexes)

    def _canonical_document(
        self, suite: Cryptosuite, proof: JsonObject, key_type: KeyType
    ) -> bytes:
        document, variant = self._document_for(proof)
        document = suite.prepare_document(document, proof)
        if suite.transform_kind != "rdfc":
            return suite.transform(
                document, loader=self.loader, canonicalizer=self.canonicalizer, key_type=key_type
            )
        memo_key = (hash_algorithm(key_type), variant)
        cached = self._memo.get(memo_key)
        if cached is None:
            try:
                cached = suite.transform(
                    document,
                    loader=self.loader,
                    canonicalizer=self.canonicalizer,
                    key_type=key_type,
                )
            except LerkitError as exc:
                cached = exc
            self._memo[memo_key] = cached
        if isinstance(cached, LerkitError):
            raise cached
        return cached

    def verify(
        self,
        proof: JsonObject,
        *,
        now: datetime,
        expected_purpose: str,
        challenge: str | None,
        domain: str | Sequence[str] | None,
    ) -> ProofCheck:
        method: VerificationMethod | None = None
        try:
            _check_shape(proof)
            suite = suite_for_proof(proof)
            _check_policy(
                proof,
                now=now,
                expected_purpose=expected_purpose,
                challenge=challenge,
                domain=domain,
            )
            method = _resolve_method(proof, self.resolver)
            public_key = method.public_key
            suite.check_key_type(public_key.key_type)
            if isinstance(suite, EcdsaSd2023):
                # selective disclosure: its own verify algorithm over the revealed document
                message = suite.verify_document(
                    self.unsecured,
                    proof,
                    public_key,
                    loader=self.loader,
                    canonicalizer=self.canonicalizer,
                    confirm_base=self.confirm_sd_base,
                )
                return ProofCheck(proof, True, None, f"{message} with {method.id}", False, method)
            suite.decode_proof_value(proof["proofValue"], public_key.key_type)
            canonical_document = self._canonical_document(suite, proof, public_key.key_type)
            config = suite.configure(proof, self.unsecured)
            canonical_config = suite.canonicalize_config(
                config,
                loader=self.loader,
                canonicalizer=self.canonicalizer,
                key_type=public_key.key_type,
            )
            hash_data = suite.hash(canonical_config, canonical_document, public_key.key_type)
            suite.verify(hash_data, proof["proofValue"], public_key)
        except LerkitError as exc:
            return ProofCheck(proof, False, exc.code, exc.message, could_not_check(exc), method)
        return ProofCheck(
            proof,
            True,
            None,
            f"{suite.name} proof verified with {method.id}",
            False,
            method,
        )


def verify_proofs(
    document: JsonObject,
    *,
    resolver: DidResolver,
    now: datetime,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
    confirm_sd_base: bool = False,
) -> list[ProofCheck]:
    """Check every proof of ``document``; one :class:`ProofCheck` per proof, in order.

    A document without a proof gives a single failing check (``proof.missing``). Nothing
    about the document or its proofs makes this raise: malformed input gives failing checks
    with stable codes. Only a naive ``now`` (a caller error) raises :class:`InputError`.

    ``expected_purpose``: every proof must have this ``proofPurpose`` and its verification
    method must be listed under it in the controller document. ``challenge``: when given,
    each proof's ``challenge`` must equal it. ``domain``: when given (a string or several
    acceptable ones), each proof's ``domain`` (a string or a list) must include one of them.
    A proof with ``previousProof`` is verified over the document holding the proofs it names.

    ``ecdsa-sd-2023``: a *derived* proof is verified over the revealed document. A *base*
    proof fails with ``sd.base_proof`` — the specification's verify algorithm accepts only
    derived proofs; a base proof is for the holder, who checks one it receives with
    ``confirm_sd_base=True`` (then the base proof, its HMAC key and every per-statement
    signature are checked, and the check's message says it was the holder's check).
    """
    now = _aware(now, "now")
    if not isinstance(document, dict):
        return [_fail({}, ProblemCode.INPUT_MALFORMED, "the document is not a JSON object")]
    try:
        check_json_value(document, "the document")
    except InputError as exc:
        return [_fail({}, ProblemCode.INPUT_MALFORMED, exc.message)]
    raw = document.get("proof")
    if raw is None or raw == []:
        return [_fail({}, ProblemCode.PROOF_MISSING, "the document has no proof")]
    proofs: list[object] = list(raw) if isinstance(raw, list) else [raw]
    if "@context" in document and not isinstance(document["@context"], (str, list, dict)):
        return [
            _fail(
                p if isinstance(p, dict) else {},
                ProblemCode.CONTEXT_INVALID,
                "the document's @context is not a string, object or list",
            )
            for p in proofs
        ]
    verifier = _Verifier(
        document,
        proofs,
        resolver=resolver,
        loader=loader or default_loader(),
        canonicalizer=canonicalizer,
        confirm_sd_base=confirm_sd_base,
    )
    checks: list[ProofCheck] = []
    for proof in proofs:
        if not isinstance(proof, dict):
            checks.append(_fail({}, ProblemCode.PROOF_MALFORMED, "a proof must be a JSON object"))
            continue
        checks.append(
            verifier.verify(
                proof,
                now=now,
                expected_purpose=expected_purpose,
                challenge=challenge,
                domain=domain,
            )
        )
    return checks


__all__ = [
    "ACCEPTED_METHOD_TYPES",
    "CLOCK_SKEW",
    "ProofCheck",
    "ProofOptions",
    "add_proof",
    "format_datetime",
    "multikey_verification_method",
    "parse_datetime",
    "verify_proofs",
]
