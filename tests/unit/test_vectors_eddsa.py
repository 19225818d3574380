"""W3C vc-di-eddsa test vectors, byte for byte, both directions.

Source: w3c/vc-di-eddsa ``TestVectors/`` @ abb673eb9df6 (tests/vectors/SOURCES.md):
eddsa-rdfc-2022 (alumni and ``employ/``), eddsa-jcs-2022, Ed25519Signature2020 and the
``proof-set-chain/`` proof sets and chains. Every step is checked: canonical document,
proof configuration and its canonical form, both hashes, the combined hash, the signature,
the proofValue and the whole signed document; then the signed documents verify.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lerkit.core.dataintegrity import ProofOptions, add_proof, parse_datetime, verify_proofs
from lerkit.core.dids import resolve_did_key
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.jsonld import StaticDocumentLoader
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.suites import get_suite
from support import VECTORS, load_json

EDDSA = VECTORS / "w3c-vc-di-eddsa"
CHAIN = EDDSA / "proof-set-chain"
LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, tzinfo=UTC)


class DidKeyResolver:
    """did:key only (tests; the real resolver is lerkit.core.dids.resolver)."""

    def resolve(self, did: str) -> dict[str, Any]:
        if not did.startswith("did:key:"):
            raise ResolutionError(f"test resolver knows only did:key, not {did!r}")
        return resolve_did_key(did)


RESOLVER = DidKeyResolver()


def _key(private_multibase: str) -> PrivateKey:
    return PrivateKey.from_multikey(private_multibase)


KEY_PAIR = load_json(EDDSA / "keyPair.json")
KEY = _key(KEY_PAIR["privateKeyMultibase"])


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    suffix: str
    unsigned: str

    def text(self, stem: str) -> str:
        return (self.folder / f"{stem}{self.suffix}.txt").read_text("utf-8")

    def hex(self, stem: str) -> str:
        return self.text(stem).strip()

    def json(self, stem: str) -> Any:
        return load_json(self.folder / f"{stem}{self.suffix}.json")


CASES = [
    Case("eddsa-rdfc-2022", EDDSA / "eddsa-rdfc-2022", "DataInt", "unsigned.json"),
    Case("eddsa-rdfc-2022", EDDSA / "eddsa-rdfc-2022" / "employ", "DataInt", "employmentAuth.json"),
    Case("eddsa-jcs-2022", EDDSA / "eddsa-jcs-2022", "JCS", "unsigned.json"),
    Case("Ed25519Signature2020", EDDSA / "Ed25519Signature2020", "EdSig", "unsigned.json"),
]
IDS = ["rdfc-alumni", "rdfc-employ", "jcs", "ed25519signature2020"]


def test_key_pair_matches() -> None:
    assert KEY.key_type is KeyType.ED25519
    assert KEY.public_key.multikey == KEY_PAIR["publicKeyMultibase"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_step_reproduces(case: Case) -> None:
    suite = get_suite(case.name)
    signed = case.json("signed")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    proof = signed["proof"]

    canonical_document = suite.transform(
        unsecured, loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    assert canonical_document.decode("utf-8") == case.text("canonDoc")

    config = suite.configure({k: v for k, v in proof.items() if k != "proofValue"}, unsecured)
    assert config == case.json("proofConfig")
    canonical_config = suite.canonicalize_config(
        config, loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    assert canonical_config.decode("utf-8") == case.text("proofCanon")

    assert hashlib.sha256(canonical_config).hexdigest() == case.hex("proofHash")
    assert hashlib.sha256(canonical_document).hexdigest() == case.hex("docHash")
    hash_data = suite.hash(canonical_config, canonical_document, KeyType.ED25519)
    assert hash_data.hex() == case.hex("combinedHash")

    signature = KEY.sign(hash_data)
    assert signature.hex() == case.hex("sigHex")
    assert suite.sign(hash_data, KEY) == case.hex("sigBTC58") == proof["proofValue"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_add_proof_gives_the_signed_document(case: Case) -> None:
    unsigned = load_json(EDDSA / case.unsigned)
    expected = case.json("signed")
    options = ProofOptions(
        cryptosuite=case.name,
        verification_method=expected["proof"]["verificationMethod"],
        created=parse_datetime(expected["proof"]["created"], "created"),
    )
    signed = add_proof(unsigned, KEY, options, loader=LOADER)
    assert signed == expected
    assert list(signed) == list(expected)
    assert list(signed["proof"]) == list(expected["proof"])
    assert "proof" not in unsigned  # the input is not changed


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_vector_verifies(case: Case) -> None:
    checks = verify_proofs(case.json("signed"), resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(True, None)]
    assert checks[0].verification_method is not None
    assert checks[0].verification_method.public_key.multikey == KEY_PAIR["publicKeyMultibase"]


def test_summary_file_agrees() -> None:
    """The summary's per-suite values are the ones the step files hold."""
    summary = load_json(VECTORS / "w3c-vc-di-eddsa-summary.json")
    assert summary["keyPair"]["seedHex"] == KEY.secret_bytes.hex()
    for name, values in summary["suites"].items():
        suite = get_suite(name.split(" ")[0])
        signed = values["signed"]
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        doc = suite.transform(unsecured, loader=LOADER, canonicalizer=None, key_type=KEY.key_type)
        assert hashlib.sha256(doc).hexdigest() == values["documentHashHex"]
        assert KEY.sign(bytes.fromhex(values["combinedHashHex"])).hex() == values["signatureHex"]
        checks = verify_proofs(signed, resolver=RESOLVER, now=NOW, loader=LOADER)
        assert [c.ok for c in checks] == [True], name


# -- proof sets and chains -----------------------------------------------------------------

CHAIN_KEYS = {
    n: _key(v["privateKeyMultibase"]) for n, v in load_json(CHAIN / "multiKeyPairs.json").items()
}


def _options(config: dict[str, Any]) -> ProofOptions:
    return ProofOptions(
        cryptosuite=config["cryptosuite"],
        verification_method=config["verificationMethod"],
        proof_purpose=config["proofPurpose"],
        created=parse_datetime(config["created"], "created"),
        id=config.get("id"),
        previous_proof=config.get("previousProof"),
    )


def _key_for(config: dict[str, Any]) -> PrivateKey:
    multikey = config["verificationMethod"].split("#")[1]
    return next(k for k in CHAIN_KEYS.values() if k.public_key.multikey == multikey)


def test_chain_keys_match() -> None:
    pairs = load_json(CHAIN / "multiKeyPairs.json")
    for name, key in CHAIN_KEYS.items():
        assert key.public_key.multikey == pairs[name]["publicKeyMultibase"]


def test_proof_set_reproduces() -> None:
    unsigned = load_json(CHAIN / "unsigned.json")
    config1, config2 = (
        load_json(CHAIN / "proofSetConfig1.json"),
        load_json(CHAIN / "proofSetConfig2.json"),
    )
    one = add_proof(unsigned, _key_for(config1), _options(config1), loader=LOADER)
    assert one == load_json(CHAIN / "signedProofSet1.json")
    assert one["proof"] == load_json(CHAIN / "proofSetConfigSigned1.json")
    two = add_proof(one, _key_for(config2), _options(config2), loader=LOADER)
    assert two == load_json(CHAIN / "signedProofSet2.json")
    assert two["proof"][1] == load_json(CHAIN / "proofSetConfigSigned2.json")
    assert isinstance(one["proof"], dict)  # the input document kept its single proof


def test_proof_chain_reproduces() -> None:
    doc = load_json(CHAIN / "signedProofSet2.json")
    config1 = load_json(CHAIN / "proofChainConfig1.json")
    chain1 = add_proof(doc, _key_for(config1), _options(config1), loader=LOADER)
    assert chain1 == load_json(CHAIN / "signedProofChain1.json")
    assert chain1["proof"][2] == load_json(CHAIN / "proofChainConfigSigned1.json")
    config2 = load_json(CHAIN / "proofChainConfig2.json")
    chain2 = add_proof(chain1, _key_for(config2), _options(config2), loader=LOADER)
    assert chain2 == load_json(CHAIN / "signedProofChain2.json")
    assert chain2["proof"][3] == load_json(CHAIN / "proofChainConfigSigned2.json")


@pytest.mark.parametrize(("temp", "config"), [("1", "1"), ("2", "2")])
def test_chain_temp_documents_are_what_was_signed(temp: str, config: str) -> None:
    """proofChainTempDoc<n>.json is the document (with the previous proofs) the chain proof
    signs: signing it alone gives the same proofValue as the chain."""
    temp_doc = load_json(CHAIN / f"proofChainTempDoc{temp}.json")
    cfg = load_json(CHAIN / f"proofChainConfig{config}.json")
    suite = get_suite(cfg["cryptosuite"])
    canonical_document = suite.transform(
        temp_doc, loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    canonical_config = suite.canonicalize_config(
        suite.configure(cfg, temp_doc), loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    hash_data = suite.hash(canonical_config, canonical_document, KeyType.ED25519)
    signed = load_json(CHAIN / f"proofChainConfigSigned{config}.json")
    assert suite.sign(hash_data, _key_for(cfg)) == signed["proofValue"]


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("signedProofSet1.json", 1),
        ("signedProofSet2.json", 2),
        ("signedProofChain1.json", 3),
        ("signedProofChain2.json", 4),
    ],
)
def test_proof_sets_and_chains_verify(name: str, count: int) -> None:
    checks = verify_proofs(load_json(CHAIN / name), resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(True, None)] * count


def test_chain_fails_when_a_previous_proof_is_removed() -> None:
    doc = load_json(CHAIN / "signedProofChain2.json")
    doc["proof"] = [doc["proof"][0], doc["proof"][1], doc["proof"][3]]
    checks = verify_proofs(doc, resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [c.ok for c in checks] == [True, True, False]
    assert checks[2].code is ProblemCode.PROOF_INVALID


def test_chain_fails_when_a_previous_proof_is_altered() -> None:
    doc = load_json(CHAIN / "signedProofChain2.json")
    doc["proof"][2]["created"] = "2023-02-26T22:06:39Z"
    checks = verify_proofs(doc, resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [c.ok for c in checks] == [True, True, False, False]
    assert {c.code for c in checks[2:]} == {ProblemCode.PROOF_INVALID}
