"""W3C vc-di-ecdsa ``ecdsa-sd-2023`` step-by-step test vectors, byte for byte.

Source: w3c/vc-di-ecdsa ``TestVectors/ecdsa-sd-2023/`` @ 00781de52c03 (tests/vectors/SOURCES.md):
two cases, ``employ`` (an employment authorization document) and ``prc`` (a permanent
resident card), signed with ``SDKeyMaterial.json`` (issuer key, per-proof key, HMAC key) and
mandatory pointers ``["/issuer"]``, then derived with selective pointers
``["/validFrom", "/validUntil", "/credentialSubject/birthCountry"]``.

Every published intermediate value reproduces: the canonical N-Quads, their HMAC-relabelled
form, the mandatory / non-mandatory split, the proof configuration and its canonical form,
both hashes, every per-statement signature (deterministic ECDSA, RFC 6979, as in the
vectors), the base ``proofValue``, the groups and indexes of the derivation, the label map,
the derived ``proofValue`` and the verifier's N-Quads.

The skolem labels of ``derivedAllGroupData.json`` carry a random UUID of the generator:
they are compared up to renaming. The vectors' ``prCredUnsigned.json`` has another
``description`` than the credential that was signed (``prc/addSignedSDBase.json``), so the
``prc`` case starts from the signed credential without its proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lerkit.core.dataintegrity import parse_datetime, verify_proofs
from lerkit.core.dids import resolve_did_key
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.jsonld import StaticDocumentLoader, canonicalize
from lerkit.core.keys import KeyType, PrivateKey, PublicKey
from lerkit.core.multibase import decode as multibase_decode
from lerkit.core.suites import ecdsa_sd_2023 as sd_suite
from lerkit.core.suites import sd_primitives as sd
from support import VECTORS, load_json

ECDSA = VECTORS / "w3c-vc-di-ecdsa"
SD = ECDSA / "ecdsa-sd-2023"
LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, tzinfo=UTC)
KEYS = load_json(SD / "SDKeyMaterial.json")
ISSUER_KEY = PrivateKey.from_multikey(KEYS["baseKeyPair"]["secretKeyMultibase"])
PROOF_KEY = PrivateKey.from_multikey(KEYS["proofKeyPair"]["secretKeyMultibase"])
HMAC_KEY = bytes.fromhex(KEYS["hmacKeyString"])


class DidKeyResolver:
    def resolve(self, did: str) -> dict[str, Any]:
        if not did.startswith("did:key:"):
            raise ResolutionError(f"test resolver knows only did:key, not {did!r}")
        return resolve_did_key(did)


@dataclass(frozen=True)
class Case:
    name: str
    mandatory_file: str
    selective_file: str

    @property
    def folder(self) -> Path:
        return SD / self.name

    def json(self, stem: str) -> Any:
        return load_json(self.folder / f"{stem}.json")

    @property
    def signed(self) -> dict[str, Any]:
        signed: dict[str, Any] = self.json("addSignedSDBase")
        return signed

    @property
    def unsigned(self) -> dict[str, Any]:
        return {k: v for k, v in self.signed.items() if k != "proof"}

    @property
    def mandatory(self) -> list[str]:
        pointers: list[str] = load_json(ECDSA / self.mandatory_file)
        return pointers

    @property
    def selective(self) -> list[str]:
        pointers: list[str] = load_json(ECDSA / self.selective_file)
        return pointers

    @property
    def proof_options(self) -> dict[str, Any]:
        return {k: v for k, v in self.signed["proof"].items() if k != "proofValue"}


CASES = [
    Case("employ", "employMandatory.json", "employSelective.json"),
    Case("prc", "prCredMandatory.json", "prCredSelective.json"),
]
IDS = [c.name for c in CASES]


def _map(value: dict[str, Any]) -> list[list[Any]]:
    """A vector's serialized JS ``Map``."""
    assert value["dataType"] == "Map"
    pairs: list[list[Any]] = value["value"]
    return pairs


def _hexes(values: list[bytes]) -> list[str]:
    return [v.hex() for v in values]


def test_key_material() -> None:
    assert ISSUER_KEY.public_key.multikey == KEYS["baseKeyPair"]["publicKeyMultibase"]
    assert PROOF_KEY.public_key.multikey == KEYS["proofKeyPair"]["publicKeyMultibase"]
    assert ISSUER_KEY.key_type is KeyType.P256
    assert PROOF_KEY.key_type is KeyType.P256


def test_employ_unsigned_is_the_signed_credential() -> None:
    """employ: the published unsigned credential is exactly what was signed."""
    assert load_json(ECDSA / "employmentAuth.json") == CASES[0].unsigned


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_base_proof_steps(case: Case) -> None:
    document, proof = case.unsigned, case.proof_options

    # pointer values
    for entry in case.json("addPointerValues"):
        assert sd.resolve_pointer(document, entry["pointer"]) == entry["value"]

    # canonical N-Quads (RDFC-1.0 labels), then HMAC-relabelled
    skolemized = sd.skolemize_compact(document, LOADER)
    quads = sd.to_deskolemized_quads(skolemized.expanded)
    plain = sd.label_replacement_canonicalize(quads, dict)
    assert plain.nquads == case.json("addBaseDocCanon")
    hmac = sd.label_replacement_canonicalize(quads, sd.hmac_label_map_factory(HMAC_KEY))
    assert hmac.nquads == case.json("addBaseDocHMACCanon")

    # proof configuration, canonical form, proof hash
    config = sd_suite.proof_config(proof, document)
    assert config == case.json("addProofConfig")
    canonical_config = canonicalize(config, LOADER)
    assert canonical_config == (case.folder / "addProofConfigCanon.txt").read_text("utf-8")

    # mandatory / non-mandatory groups and hashes
    data = sd_suite.create_sign_data(
        document, proof, mandatory_pointers=case.mandatory, hmac_key=HMAC_KEY, loader=LOADER
    )
    transform = case.json("addBaseTransform")
    assert transform["mandatoryPointers"] == case.mandatory
    assert bytes.fromhex(transform["hmacKeyString"]) == HMAC_KEY
    assert [[i, nq] for i, nq in data.mandatory.items()] == _map(transform["mandatory"])
    assert [[i, nq] for i, nq in data.non_mandatory.items()] == _map(transform["nonMandatory"])
    hashes = case.json("addHashData")
    assert data.proof_hash.hex() == hashes["proofHash"]
    assert data.mandatory_hash.hex() == hashes["mandatoryHash"]

    # per-statement signatures (deterministic ECDSA), base signature
    raw = case.json("addRawBaseSignatureInfo")
    signatures = [PROOF_KEY.sign(nq.encode("utf-8")) for nq in data.non_mandatory.values()]
    assert _hexes(signatures) == raw["signatures"]
    assert PROOF_KEY.public_key.multikey == raw["publicKey"]
    public_key = multibase_decode(raw["publicKey"])
    sign_data = sd_suite.base_signature_data(data.proof_hash, public_key, data.mandatory_hash)
    assert ISSUER_KEY.sign(sign_data).hex() == raw["baseSignature"]
    assert raw["mandatoryPointers"] == case.mandatory


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sign_base_gives_the_signed_credential(case: Case) -> None:
    signed = sd_suite.sign_base(
        case.unsigned,
        ISSUER_KEY,
        case.proof_options["verificationMethod"],
        mandatory_pointers=case.mandatory,
        created=parse_datetime(case.proof_options["created"], "created"),
        hmac_key=HMAC_KEY,
        proof_key=PROOF_KEY,
        loader=LOADER,
    )
    assert signed == case.signed
    assert list(signed["proof"]) == list(case.signed["proof"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_base_proof_value_parses(case: Case) -> None:
    base = sd_suite.parse_base_proof_value(case.signed["proof"]["proofValue"])
    recovered = case.json("derivedRecoveredBaseData")
    assert base.base_signature.hex() == recovered["baseSignature"]
    assert base.public_key == multibase_decode(recovered["proofPublicKey"])
    assert base.hmac_key.hex() == recovered["hmacKey"]
    assert _hexes(base.signatures) == recovered["signatures"]
    assert base.mandatory_pointers == recovered["mandatoryPointers"]
    # and serializes back to the same string
    assert sd_suite.serialize_base_proof_value(base) == case.signed["proof"]["proofValue"]


def _normalize_skolem(value: Any, names: dict[str, str]) -> Any:
    """Skolem IRIs / labels renamed in order of appearance (their UUID is random)."""
    if isinstance(value, dict):
        return {k: _normalize_skolem(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize_skolem(v, names) for v in value]
    if isinstance(value, str):

        def rename(match: re.Match[str]) -> str:
            return match.group(1) + names.setdefault(match.group(2), f"s{len(names)}")

        return re.sub(r"(urn:bnid:|_:)(_[A-Za-z0-9_-]+)", rename, value)
    return value


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_derivation_steps(case: Case) -> None:
    document = case.unsigned
    base_proof = case.signed["proof"]
    base = sd_suite.parse_base_proof_value(base_proof["proofValue"])
    grouped = sd.canonicalize_and_group(
        document,
        sd.hmac_label_map_factory(base.hmac_key),
        {
            "mandatory": base.mandatory_pointers,
            "selective": case.selective,
            "combined": base.mandatory_pointers + case.selective,
        },
        LOADER,
    )
    expected = case.json("derivedAllGroupData")
    assert grouped.nquads == expected["nquads"]
    assert sorted(grouped.label_map.values()) == sorted(v for _, v in _map(expected["labelMap"]))
    for name in ("mandatory", "selective", "combined"):
        group, published = grouped.groups[name], expected["groups"][name]
        assert [[i, nq] for i, nq in group.matching.items()] == _map(published["matching"])
        assert [[i, nq] for i, nq in group.non_matching.items()] == _map(published["nonMatching"])
        ours = sorted(sd.relabel_blank_nodes(group.deskolemized_quads, grouped.label_map))
        theirs = sorted(
            re.sub(
                r"_:([^\s]+)",
                lambda m: "_:" + dict(_map(expected["labelMap"]))[m.group(1)],
                nq,
            )
            for nq in published["deskolemizedNQuads"]
        )
        assert ours == theirs
    assert _normalize_skolem(grouped.skolemized.compact, {}) == _normalize_skolem(
        expected["skolemized"]["compact"], {}
    )

    indexes = case.json("derivedGroupIndexes")
    assert sorted(grouped.groups["combined"].matching) == indexes["combinedIndexes"]
    assert sorted(grouped.groups["mandatory"].matching) == indexes["mandatoryIndexes"]
    assert sorted(grouped.groups["mandatory"].non_matching) == indexes["nonMandatoryIndexes"]
    assert sorted(grouped.groups["selective"].matching) == indexes["selectiveIndexes"]

    data = sd_suite.create_disclosure_data(document, base_proof, case.selective, loader=LOADER)
    assert data.combined_indexes == indexes["combinedIndexes"]
    assert data.selective_indexes == indexes["selectiveIndexes"]
    assert data.mandatory_absolute_indexes == indexes["mandatoryIndexes"]
    assert data.mandatory_indexes == case.json("derivedAdjMandatoryIndexes")["adjMandatoryIndexes"]
    adjusted = case.json("derivedAdjSignatures")
    assert _hexes(data.signatures) == adjusted["filteredSignatures"]
    assert [base.signatures.index(s) for s in data.signatures] == adjusted["adjSignatureIndexes"]

    disclosure = case.json("derivedDisclosureData")
    assert data.base_signature.hex() == disclosure["baseSignature"]
    assert data.public_key == multibase_decode(disclosure["publicKey"])
    assert _hexes(data.signatures) == disclosure["signatures"]
    assert [[k, v] for k, v in data.label_map.items()] == _map(disclosure["labelMap"])
    assert data.mandatory_indexes == disclosure["mandatoryIndexes"]
    assert data.reveal_document == case.json("derivedUnsignedReveal")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_derive_gives_the_published_derived_credential(case: Case) -> None:
    derived = sd_suite.derive(case.signed, case.selective, loader=LOADER)
    expected = case.json("derivedRevealDocument")
    assert derived == expected
    assert derived["proof"]["proofValue"] == expected["proof"]["proofValue"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_verifier_steps(case: Case) -> None:
    derived = case.json("derivedRevealDocument")
    document = {k: v for k, v in derived.items() if k != "proof"}
    parsed = sd_suite.parse_derived_proof_value(derived["proof"]["proofValue"])
    published = case.json("verifyDerivedProofValue")
    assert parsed.base_signature.hex() == published["baseSignature"]
    assert parsed.public_key == multibase_decode(published["publicKey"])
    assert _hexes(parsed.signatures) == published["signatures"]
    assert [[k, v] for k, v in parsed.label_map.items()] == published["labelMap"]
    assert parsed.mandatory_indexes == published["mandatoryIndexes"]
    assert sd_suite.serialize_derived_proof_value(parsed) == derived["proof"]["proofValue"]

    data = sd_suite.create_verify_data(document, derived["proof"], loader=LOADER)
    assert data.nquads == case.json("verifyNQuads")
    verify_data = case.json("verifyCreateVerifyData")
    assert data.base_signature.hex() == verify_data["baseSignature"]
    assert data.proof_hash.hex() == verify_data["proofHash"]
    assert data.public_key == multibase_decode(verify_data["publicKey"])
    assert _hexes(data.signatures) == verify_data["signatures"]
    assert data.non_mandatory == verify_data["nonMandatory"]
    assert data.mandatory_hash.hex() == verify_data["mandatoryHash"]

    sd_suite.verify_derived(document, derived["proof"], ISSUER_KEY.public_key, loader=LOADER)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_published_derived_credential_verifies(case: Case) -> None:
    checks = verify_proofs(
        case.json("derivedRevealDocument"), resolver=DidKeyResolver(), now=NOW, loader=LOADER
    )
    assert [(c.ok, c.code) for c in checks] == [(True, None)]
    assert "derived proof verified" in checks[0].message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_published_base_credential_is_for_the_holder_only(case: Case) -> None:
    """The verifier refuses a base proof (the spec's verify algorithm accepts only a
    derived one); the holder's own check confirms it."""
    checks = verify_proofs(case.signed, resolver=DidKeyResolver(), now=NOW, loader=LOADER)
    assert [(c.ok, c.code, c.could_not_check) for c in checks] == [
        (False, ProblemCode.SD_BASE_PROOF, False)
    ]
    assert "base proof" in checks[0].message
    assert "derive" in checks[0].message
    confirmed = verify_proofs(
        case.signed, resolver=DidKeyResolver(), now=NOW, loader=LOADER, confirm_sd_base=True
    )
    assert [(c.ok, c.code) for c in confirmed] == [(True, None)]
    assert "holder" in confirmed[0].message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_published_derived_credential_tampered_fails(case: Case) -> None:
    derived = case.json("derivedRevealDocument")
    subject = derived["credentialSubject"]
    subject["birthCountry"] = subject["birthCountry"] + "x"
    checks = verify_proofs(derived, resolver=DidKeyResolver(), now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(False, ProblemCode.PROOF_INVALID)]


def test_proof_key_is_a_multikey() -> None:
    raw = sd_suite.parse_base_proof_value(CASES[0].signed["proof"]["proofValue"]).public_key
    assert PublicKey.from_multikey(KEYS["proofKeyPair"]["publicKeyMultibase"]).raw == raw[2:]
