"""Data Integrity add/verify: purposes, challenge and domain, times, proof sets, tampering,
key types, unsupported suites and malformed proofs (a failing check, never an exception)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lerkit.core.dataintegrity import (
    ProofCheck,
    ProofOptions,
    add_proof,
    format_datetime,
    multikey_verification_method,
    parse_datetime,
    verify_proofs,
)
from lerkit.core.dids import did_key, resolve_did_key
from lerkit.core.errors import (
    InputError,
    KeyFormatError,
    ProblemCode,
    ResolutionError,
    SigningError,
)
from lerkit.core.jsonld import DocumentLoader, PyldCanonicalizer, StaticDocumentLoader
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.types import JsonObject
from support import VECTORS, load_json

LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
UNSIGNED: JsonObject = load_json(VECTORS / "w3c-vc-di-eddsa" / "unsigned.json")

ED = PrivateKey.from_secret(KeyType.ED25519, bytes(range(32)))
ED2 = PrivateKey.from_secret(KeyType.ED25519, bytes(range(1, 33)))
P256 = PrivateKey.from_secret(KeyType.P256, bytes(range(1, 33)))
P384 = PrivateKey.from_secret(KeyType.P384, bytes(range(1, 49)))
SUITE_KEYS = [
    ("eddsa-rdfc-2022", ED),
    ("eddsa-jcs-2022", ED),
    ("Ed25519Signature2020", ED),
    ("ecdsa-rdfc-2019", P256),
    ("ecdsa-rdfc-2019", P384),
    ("ecdsa-jcs-2019", P256),
    ("ecdsa-jcs-2019", P384),
]
SUITE_IDS = [f"{s}-{k.key_type}" for s, k in SUITE_KEYS]


def vm(key: PrivateKey) -> str:
    return f"{did_key(key.public_key)}#{key.public_key.multikey}"


class DidKeyResolver:
    """did:key only; ``legacy`` emits Ed25519VerificationKey2020 methods."""

    def __init__(self, legacy: bool = False) -> None:
        self.legacy = legacy

    def resolve(self, did: str) -> dict[str, Any]:
        if not did.startswith("did:key:"):
            raise ResolutionError(f"test resolver knows only did:key, not {did!r}")
        return resolve_did_key(did, legacy_ed25519_2020=self.legacy)


class StaticResolver:
    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents

    def resolve(self, did: str) -> Any:
        if did not in self.documents:
            raise ResolutionError(f"cannot resolve {did!r}")
        return self.documents[did]


RESOLVER = DidKeyResolver()


def sign(
    key: PrivateKey = ED,
    cryptosuite: str = "eddsa-rdfc-2022",
    document: JsonObject | None = None,
    **options: Any,
) -> JsonObject:
    options.setdefault("created", NOW - timedelta(days=1))
    return add_proof(
        UNSIGNED if document is None else document,
        key,
        ProofOptions(cryptosuite=cryptosuite, verification_method=vm(key), **options),
        loader=LOADER,
    )


def check(document: Any, **kwargs: Any) -> list[ProofCheck]:
    kwargs.setdefault("resolver", RESOLVER)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("loader", LOADER)
    return verify_proofs(document, **kwargs)


def codes(checks: list[ProofCheck]) -> list[ProblemCode | None]:
    return [c.code for c in checks]


def only(checks: list[ProofCheck]) -> ProofCheck:
    assert len(checks) == 1
    return checks[0]


# -- round trips and basic shape -----------------------------------------------------------


@pytest.mark.parametrize(("cryptosuite", "key"), SUITE_KEYS, ids=SUITE_IDS)
def test_round_trip(cryptosuite: str, key: PrivateKey) -> None:
    before = copy.deepcopy(UNSIGNED)
    signed = sign(key, cryptosuite)
    assert before == UNSIGNED
    result = only(check(signed))
    assert result.ok, result.message
    assert result.code is None
    assert not result.could_not_check
    assert result.verification_method is not None
    assert result.verification_method.id == vm(key)
    assert result.proof is signed["proof"]


@pytest.mark.parametrize(("cryptosuite", "key"), SUITE_KEYS, ids=SUITE_IDS)
def test_tampered_value_is_invalid(cryptosuite: str, key: PrivateKey) -> None:
    signed = sign(key, cryptosuite)
    signed["credentialSubject"]["alumniOf"] = "Another School"
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


@pytest.mark.parametrize(
    ("field", "value"),
    [("created", "2024-05-31T12:00:01Z"), ("proofPurpose", "assertionMethod")],
)
def test_tampered_proof_option_is_invalid(field: str, value: str) -> None:
    signed = sign(ED, "eddsa-rdfc-2022", challenge="c1")
    signed["proof"][field] = value
    signed["proof"].pop("challenge")
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


def test_created_is_a_date_time_stamp() -> None:
    signed = sign(created=datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC))
    assert signed["proof"]["created"] == "2024-01-02T03:04:05Z"
    tz = datetime(2024, 1, 2, 5, 4, 5, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    assert format_datetime(tz) == "2024-01-02T05:04:05Z"
    with pytest.raises(InputError):
        format_datetime(datetime(2024, 1, 1))  # naive
    assert parse_datetime("2024-01-01T00:00:00.123456789+01:00", "created") == datetime(
        2023, 12, 31, 23, 0, 0, 123456, tzinfo=UTC
    )


def test_no_created_is_allowed() -> None:
    signed = add_proof(UNSIGNED, ED, ProofOptions("eddsa-rdfc-2022", vm(ED)), loader=LOADER)
    assert "created" not in signed["proof"]
    assert only(check(signed)).ok


def test_multikey_verification_method() -> None:
    method = multikey_verification_method(ED, "https://issuer.example")
    assert method == {
        "id": f"https://issuer.example#{ED.public_key.multikey}",
        "type": "Multikey",
        "controller": "https://issuer.example",
        "publicKeyMultibase": ED.public_key.multikey,
    }
    assert multikey_verification_method(ED.public_key, "x")["publicKeyMultibase"].startswith("z6Mk")


# -- purposes, challenge, domain -----------------------------------------------------------


def test_purpose_mismatch() -> None:
    signed = sign(proof_purpose="authentication")
    assert codes(check(signed)) == [ProblemCode.PROOF_PURPOSE_MISMATCH]
    assert only(check(signed, expected_purpose="authentication")).ok


def test_method_not_authorized_for_purpose() -> None:
    did = did_key(ED.public_key)
    document = resolve_did_key(did)
    document["assertionMethod"] = []
    resolver = StaticResolver({did: document})
    assert codes(check(sign(), resolver=resolver)) == [
        ProblemCode.VERIFICATION_METHOD_NOT_AUTHORIZED
    ]
    assert not only(check(sign(), resolver=resolver)).could_not_check


def test_method_not_found() -> None:
    did = did_key(ED.public_key)
    signed = sign()
    signed["proof"]["verificationMethod"] = f"{did}#other"
    assert codes(check(signed)) == [ProblemCode.VERIFICATION_METHOD_NOT_FOUND]


def test_controller_document_with_another_id() -> None:
    did = did_key(ED.public_key)
    resolver = StaticResolver({did: {**resolve_did_key(did), "id": "did:example:other"}})
    assert codes(check(sign(), resolver=resolver)) == [ProblemCode.DID_DOCUMENT_INVALID]
    resolver = StaticResolver({did: ["not", "an", "object"]})
    assert codes(check(sign(), resolver=resolver)) == [ProblemCode.DID_DOCUMENT_INVALID]


def test_unresolvable_did_could_not_check() -> None:
    result = only(check(sign(), resolver=StaticResolver({})))
    assert not result.ok
    assert result.could_not_check
    assert result.code is ProblemCode.DID_UNRESOLVABLE


def test_challenge() -> None:
    signed = sign(proof_purpose="authentication", challenge="abc")
    auth = {"expected_purpose": "authentication"}
    assert only(check(signed, challenge="abc", **auth)).ok
    assert only(check(signed, **auth)).ok  # no challenge asked for: not checked
    assert codes(check(signed, challenge="xyz", **auth)) == [ProblemCode.PROOF_CHALLENGE_MISMATCH]
    unbound = sign(proof_purpose="authentication")
    assert codes(check(unbound, challenge="abc", **auth)) == [ProblemCode.PROOF_CHALLENGE_MISMATCH]


def test_domain_string() -> None:
    signed = sign(domain="example.org")
    assert signed["proof"]["domain"] == "example.org"
    assert only(check(signed, domain="example.org")).ok
    assert only(check(signed, domain=["other.example", "example.org"])).ok
    assert codes(check(signed, domain="other.example")) == [ProblemCode.PROOF_DOMAIN_MISMATCH]
    assert codes(check(sign(), domain="example.org")) == [ProblemCode.PROOF_DOMAIN_MISMATCH]


def test_domain_list() -> None:
    signed = sign(domain=["a.example", "b.example"], cryptosuite="eddsa-jcs-2022")
    assert signed["proof"]["domain"] == ["a.example", "b.example"]
    assert only(check(signed, domain="b.example")).ok
    assert only(check(signed, domain=["c.example", "a.example"])).ok
    assert codes(check(signed, domain="c.example")) == [ProblemCode.PROOF_DOMAIN_MISMATCH]
    assert only(check(signed)).ok


def test_nonce_and_id_are_signed() -> None:
    signed = sign(nonce="n-1", id="urn:uuid:0b6f1f5e-1a2b-4c3d-8e9f-001122334455")
    assert only(check(signed)).ok
    signed["proof"]["nonce"] = "n-2"
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


# -- time ----------------------------------------------------------------------------------


def test_expires() -> None:
    assert only(check(sign(expires=NOW + timedelta(days=1)))).ok
    expired = sign(expires=NOW - timedelta(seconds=1))
    assert codes(check(expired)) == [ProblemCode.PROOF_EXPIRED]


def test_created_in_future() -> None:
    assert only(check(sign(created=NOW + timedelta(minutes=4)))).ok  # clock skew
    future = sign(created=NOW + timedelta(minutes=10))
    assert codes(check(future)) == [ProblemCode.PROOF_CREATED_IN_FUTURE]


def test_naive_times_are_refused() -> None:
    with pytest.raises(InputError):
        sign(created=datetime(2024, 1, 1))
    with pytest.raises(InputError):
        check(sign(), now=datetime(2024, 1, 1))


# -- proof sets and chains -----------------------------------------------------------------


def test_proof_set() -> None:
    one = sign(ED)
    two = sign(P256, "ecdsa-rdfc-2019", document=one)
    three = sign(ED2, "eddsa-jcs-2022", document=two)
    assert isinstance(one["proof"], dict)
    assert len(two["proof"]) == 2
    assert len(three["proof"]) == 3
    assert [c.ok for c in check(three)] == [True, True, True]
    three["proof"][1]["proofValue"] = two["proof"][0]["proofValue"]
    assert codes(check(three)) == [None, ProblemCode.PROOF_INVALID, None]


def test_proof_set_canonicalizes_the_document_once() -> None:
    class Counting(PyldCanonicalizer):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def canonicalize(self, document: JsonObject, loader: DocumentLoader) -> str:
            self.calls += 1
            return super().canonicalize(document, loader)

    signed = sign(ED2, document=sign(ED))
    counting = Counting()
    assert [c.ok for c in check(signed, canonicalizer=counting)] == [True, True]
    assert counting.calls == 3  # the document once, each proof configuration once


def test_proof_chain() -> None:
    first = sign(ED, id="urn:example:p1")
    chained = sign(ED2, document=first, previous_proof="urn:example:p1")
    assert [c.ok for c in check(chained)] == [True, True]
    # the chained proof covers the first: a re-signed first proof breaks it
    chained["proof"][0] = sign(ED, id="urn:example:p1", created=NOW)["proof"]
    assert codes(check(chained)) == [None, ProblemCode.PROOF_INVALID]


def test_chain_to_a_missing_proof() -> None:
    with pytest.raises(SigningError):
        sign(ED2, document=sign(ED), previous_proof="urn:example:none")
    signed = sign(ED, previous_proof=None)
    signed["proof"]["previousProof"] = "urn:example:none"
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


def test_proof_referring_to_itself() -> None:
    signed = sign(ED, id="urn:example:p1")
    signed["proof"]["previousProof"] = "urn:example:p1"
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


# -- keys, suites, contexts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cryptosuite", "key"),
    [
        ("ecdsa-rdfc-2019", ED),
        ("ecdsa-jcs-2019", ED),
        ("eddsa-rdfc-2022", P256),
        ("eddsa-jcs-2022", P384),
        ("Ed25519Signature2020", P256),
    ],
)
def test_wrong_key_type_is_refused(cryptosuite: str, key: PrivateKey) -> None:
    with pytest.raises(KeyFormatError) as info:
        sign(key, cryptosuite)
    assert info.value.code is ProblemCode.KEY_UNSUPPORTED


def test_verification_method_with_a_key_of_another_type() -> None:
    signed = sign(P256, "ecdsa-rdfc-2019")
    signed["proof"]["verificationMethod"] = vm(ED)
    assert codes(check(signed)) == [ProblemCode.KEY_UNSUPPORTED]


def test_did_key_of_another_key_is_refused() -> None:
    with pytest.raises(SigningError):
        add_proof(UNSIGNED, ED, ProofOptions("eddsa-rdfc-2022", vm(ED2)), loader=LOADER)


def test_unknown_suite_is_refused_when_signing() -> None:
    with pytest.raises(InputError) as info:
        sign(cryptosuite="eddsa-2022")
    assert info.value.code is ProblemCode.PROOF_UNSUPPORTED


@pytest.mark.parametrize(
    "change",
    [
        {"cryptosuite": "eddsa-2022"},
        {"cryptosuite": "bbs-2023"},
        {"type": "RsaSignature2018"},
        {"type": "Ed25519Signature2018"},
        {"type": "DataIntegrityProof", "cryptosuite": "Ed25519Signature2020"},
    ],
)
def test_unsupported_suite_is_reported(change: dict[str, str]) -> None:
    signed = sign()
    signed["proof"].update(change)
    result = only(check(signed))
    assert result.code is ProblemCode.PROOF_UNSUPPORTED
    assert not result.could_not_check


def test_legacy_verification_method_type() -> None:
    signed = sign(ED, "Ed25519Signature2020")
    assert "https://w3id.org/security/suites/ed25519-2020/v1" in signed["@context"]
    assert "cryptosuite" not in signed["proof"]
    for resolver in (DidKeyResolver(legacy=True), DidKeyResolver()):
        assert only(check(signed, resolver=resolver)).ok
    assert only(check(sign(ED), resolver=DidKeyResolver(legacy=True))).ok


def test_unsupported_verification_method_type() -> None:
    did = did_key(ED.public_key)
    document = resolve_did_key(did)
    document["verificationMethod"][0]["type"] = "EcdsaSecp256k1VerificationKey2019"
    assert codes(check(sign(), resolver=StaticResolver({did: document}))) == [
        ProblemCode.KEY_UNSUPPORTED
    ]


def test_data_integrity_context_is_added_to_a_v1_credential() -> None:
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = sign(document=v1)
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert v1["@context"][-1] == "https://www.w3.org/2018/credentials/examples/v1"
    assert only(check(signed)).ok
    legacy = sign(document=v1, cryptosuite="Ed25519Signature2020")
    with pytest.raises(SigningError):  # adding a context would break the legacy proof
        sign(document=legacy)


def test_undefined_term_and_unknown_context() -> None:
    # only the VC v2 context: no @vocab (the examples context has one)
    plain = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = sign(document=plain)
    assert only(check(signed)).ok
    signed["notInTheContext"] = "x"
    assert codes(check(signed)) == [ProblemCode.JSONLD_UNDEFINED_TERM]
    signed = sign()
    signed["@context"] = [*signed["@context"], "https://example.org/unknown/v1"]
    result = only(check(signed))
    assert result.code is ProblemCode.CONTEXT_UNKNOWN
    assert not result.could_not_check  # refused (never fetched): a failure, not "could not check"
    with pytest.raises(InputError) as info:
        sign(document={**plain, "notInTheContext": 1})
    assert info.value.code is ProblemCode.JSONLD_UNDEFINED_TERM


def test_jcs_proof_context_must_prefix_the_document_context() -> None:
    signed = sign(cryptosuite="eddsa-jcs-2022")
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


def test_jcs_signs_plain_json() -> None:
    document = {"hello": "world", "n": 1}
    signed = sign(document=document, cryptosuite="eddsa-jcs-2022")
    assert "@context" not in signed["proof"]
    assert only(check(signed)).ok
    signed["n"] = 2
    assert codes(check(signed)) == [ProblemCode.PROOF_INVALID]


# -- malformed input: a failing check, never an exception ----------------------------------


def _mutated(**changes: Any) -> JsonObject:
    signed = sign()
    for key, value in changes.items():
        if value is ...:
            signed["proof"].pop(key)
        else:
            signed["proof"][key] = value
    return signed


@pytest.mark.parametrize(
    "document",
    [
        _mutated(proofValue=...),
        _mutated(proofValue=12),
        _mutated(proofValue=""),
        _mutated(proofValue="z0OIl"),  # not base58
        _mutated(proofValue="uAAAA"),  # base64url, not base58btc
        _mutated(proofValue="z2"),  # too short
        _mutated(verificationMethod=...),
        _mutated(verificationMethod={"id": "did:key:x"}),
        _mutated(proofPurpose=...),
        _mutated(type=...),
        _mutated(type=["DataIntegrityProof"]),
        _mutated(cryptosuite=...),
        _mutated(cryptosuite=7),
        _mutated(created="yesterday"),
        _mutated(created="2024-13-01T00:00:00Z"),
        _mutated(created="2024-01-01T00:00:00"),  # no time zone
        _mutated(expires=20240101),
        _mutated(domain=5),
        _mutated(domain=[]),
        _mutated(challenge=["a"]),
        _mutated(previousProof={"id": "x"}),
    ],
)
def test_malformed_proof(document: JsonObject) -> None:
    result = only(check(document, domain=None))
    assert not result.ok
    assert result.code is ProblemCode.PROOF_MALFORMED, result.message
    assert result.message


@pytest.mark.parametrize("proof", ["a string", 42, None, True, ["x"], [[]]])
def test_proof_of_the_wrong_type(proof: Any) -> None:
    results = check({**UNSIGNED, "proof": proof})
    assert results
    assert all(not r.ok for r in results)
    assert all(r.code in (ProblemCode.PROOF_MALFORMED, ProblemCode.PROOF_MISSING) for r in results)


def test_missing_proof() -> None:
    assert codes(check(UNSIGNED)) == [ProblemCode.PROOF_MISSING]
    assert codes(check({**UNSIGNED, "proof": []})) == [ProblemCode.PROOF_MISSING]


@pytest.mark.parametrize("document", ["text", 1, None, [{"proof": {}}]])
def test_document_that_is_not_an_object(document: Any) -> None:
    assert codes(check(document)) == [ProblemCode.INPUT_MALFORMED]


def test_bad_verification_method_did() -> None:
    signed = sign()
    signed["proof"]["verificationMethod"] = "did:key:zNotAKey#zNotAKey"
    result = only(check(signed))
    assert result.code is ProblemCode.DID_MALFORMED


def test_bad_context_shape() -> None:
    signed = sign()
    signed["@context"] = 5
    assert codes(check(signed)) == [ProblemCode.CONTEXT_INVALID]
    signed["@context"] = [5]
    assert not only(check(signed)).ok


def test_add_proof_refuses_a_malformed_document() -> None:
    with pytest.raises(InputError):
        add_proof("text", ED, ProofOptions("eddsa-rdfc-2022", vm(ED)))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        sign(document={**UNSIGNED, "proof": "x"})
    with pytest.raises(InputError):
        sign(document={k: v for k, v in UNSIGNED.items() if k != "@context"})
