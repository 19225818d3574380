"""W3C vc-di-ecdsa test vectors: ecdsa-rdfc-2019 and ecdsa-jcs-2019, P-256 and P-384.

Source: w3c/vc-di-ecdsa ``TestVectors/`` @ 00781de52c03 (tests/vectors/SOURCES.md).
ecdsa-sd-2023 is not covered here.

The published signatures were made with deterministic ECDSA (RFC 6979), as ours are, so
every step reproduces byte for byte, signatures and proofValues included. For P-384 the
suite uses SHA-384 throughout: for the hash data, for the ECDSA digest and as the RDFC-1.0
hash parameter, which changes the blank-node labels of ``employ/canonDocECDSAP384.txt``
against the P-256 one.
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

ECDSA = VECTORS / "w3c-vc-di-ecdsa"
LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, tzinfo=UTC)


class DidKeyResolver:
    """did:key only (tests; the real resolver is lerkit.core.dids.resolver)."""

    def resolve(self, did: str) -> dict[str, Any]:
        if not did.startswith("did:key:"):
            raise ResolutionError(f"test resolver knows only did:key, not {did!r}")
        return resolve_did_key(did)


RESOLVER = DidKeyResolver()
KEYS = {
    curve: PrivateKey.from_multikey(load_json(ECDSA / f"{curve}KeyPair.json")["secretKeyMultibase"])
    for curve in ("p256", "p384")
}


@dataclass(frozen=True)
class Case:
    name: str
    curve: str
    folder: Path
    suffix: str
    unsigned: str

    @property
    def key(self) -> PrivateKey:
        return KEYS[self.curve]

    def text(self, stem: str) -> str:
        return (self.folder / f"{stem}{self.suffix}.txt").read_text("utf-8")

    def hex(self, stem: str) -> str:
        return self.text(stem).strip()

    def json(self, stem: str) -> Any:
        return load_json(self.folder / f"{stem}{self.suffix}.json")


CASES = [
    Case("ecdsa-rdfc-2019", c, ECDSA / f"ecdsa-rdfc-2019-{c}" / sub, f"ECDSA{c.upper()}", un)
    for c in ("p256", "p384")
    for sub, un in (("", "unsigned.json"), ("employ", "employmentAuth.json"))
] + [
    Case(
        "ecdsa-jcs-2019", c, ECDSA / f"ecdsa-jcs-2019-{c}", f"JCSECDSA{c.upper()}", "unsigned.json"
    )
    for c in ("p256", "p384")
]
IDS = [f"{c.name}-{c.curve}-{c.unsigned.removesuffix('.json')}" for c in CASES]


@pytest.mark.parametrize("curve", ["p256", "p384"])
def test_key_pairs_match(curve: str) -> None:
    pair = load_json(ECDSA / f"{curve}KeyPair.json")
    assert KEYS[curve].public_key.multikey == pair["publicKeyMultibase"]
    assert KEYS[curve].key_type is (KeyType.P256 if curve == "p256" else KeyType.P384)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_step_reproduces(case: Case) -> None:
    suite = get_suite(case.name)
    key_type = case.key.key_type
    digest = hashlib.sha256 if key_type is KeyType.P256 else hashlib.sha384
    signed = case.json("signed")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    proof = signed["proof"]

    canonical_document = suite.transform(
        unsecured, loader=LOADER, canonicalizer=None, key_type=key_type
    )
    assert canonical_document.decode("utf-8") == case.text("canonDoc")
    config = suite.configure({k: v for k, v in proof.items() if k != "proofValue"}, unsecured)
    assert config == case.json("proofConfig")
    canonical_config = suite.canonicalize_config(
        config, loader=LOADER, canonicalizer=None, key_type=key_type
    )
    assert canonical_config.decode("utf-8") == case.text("proofCanon")

    assert digest(canonical_config).hexdigest() == case.hex("proofHash")
    assert digest(canonical_document).hexdigest() == case.hex("docHash")
    hash_data = suite.hash(canonical_config, canonical_document, key_type)
    assert hash_data.hex() == case.hex("combinedHash")

    # deterministic ECDSA (RFC 6979): the published signatures reproduce exactly
    assert case.key.sign(hash_data).hex() == case.hex("sigHex")
    assert suite.sign(hash_data, case.key) == case.hex("sigBTC58") == proof["proofValue"]
    case.key.public_key.verify(bytes.fromhex(case.hex("sigHex")), hash_data)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_add_proof_gives_the_signed_document(case: Case) -> None:
    expected = case.json("signed")
    options = ProofOptions(
        cryptosuite=case.name,
        verification_method=expected["proof"]["verificationMethod"],
        created=parse_datetime(expected["proof"]["created"], "created"),
    )
    signed = add_proof(load_json(ECDSA / case.unsigned), case.key, options, loader=LOADER)
    assert signed == expected
    assert list(signed["proof"]) == list(expected["proof"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_vector_verifies(case: Case) -> None:
    checks = verify_proofs(case.json("signed"), resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(True, None)]


def test_p384_employ_needs_rdfc_with_sha384() -> None:
    """RDFC-1.0 with SHA-256 labels the blank nodes differently: the P-384 vector's
    canonical document is only reproduced with the SHA-384 parameter."""
    suite = get_suite("ecdsa-rdfc-2019")
    doc = load_json(ECDSA / "employmentAuth.json")
    with_256 = suite.transform(doc, loader=LOADER, canonicalizer=None, key_type=KeyType.P256)
    with_384 = suite.transform(doc, loader=LOADER, canonicalizer=None, key_type=KeyType.P384)
    assert with_256 != with_384
    assert sorted(with_256.splitlines()) != sorted(with_384.splitlines())  # labels differ


def test_tampered_vector_fails() -> None:
    signed = load_json(ECDSA / "ecdsa-rdfc-2019-p384" / "employ" / "signedECDSAP384.json")
    signed["credentialSubject"]["givenName"] = "JANE"
    checks = verify_proofs(signed, resolver=RESOLVER, now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(False, ProblemCode.PROOF_INVALID)]
