"""1EdTech OB 3.0 and CLR 2.0 eddsa-rdfc-2022 vectors, byte for byte.

Source: 1EdTech/openbadges-specification ``ob_v3p0/impl/`` @ 1af145ff2dc6
(tests/vectors/SOURCES.md). ``values.json`` holds the key (the guide's 64-byte "private
key" is seed || public key), both hashes, the data to sign, the signature and proofValue.
The verification method is ``<controller>#<publicKeyMultibase>`` with a controller URL that
does not resolve; as 1EdTech's validator does, the test resolver builds the controller
document from the fragment.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from lerkit.core.dataintegrity import (
    ProofOptions,
    add_proof,
    multikey_verification_method,
    parse_datetime,
    verify_proofs,
)
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.jsonld import StaticDocumentLoader
from lerkit.core.keys import KeyType, PrivateKey, PublicKey
from lerkit.core.suites import get_suite
from support import VECTORS, load_json

LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, tzinfo=UTC)
FOLDERS = ["1edtech-ob3-eddsa-rdfc-2022", "1edtech-clr2-eddsa-rdfc-2022"]
SUITE = get_suite("eddsa-rdfc-2022")


class ControllerResolver:
    """Serves one controller document per known controller URL."""

    def __init__(self, values: dict[str, Any]) -> None:
        public = PublicKey.from_multikey(values["publicKeyMultibase"])
        controller = values["controller"]
        method = multikey_verification_method(public, controller)
        self.documents = {
            controller: {
                "@context": [
                    "https://www.w3.org/ns/did/v1",
                    "https://w3id.org/security/multikey/v1",
                ],
                "id": controller,
                "verificationMethod": [method],
                "assertionMethod": [method["id"]],
            }
        }

    def resolve(self, url: str) -> dict[str, Any]:
        if url not in self.documents:
            raise ResolutionError(f"cannot resolve {url!r}")
        return self.documents[url]


def _values(folder: str) -> dict[str, Any]:
    values: dict[str, Any] = load_json(VECTORS / folder / "values.json")
    return values


def _key(values: dict[str, Any]) -> PrivateKey:
    seed = bytes.fromhex(values["privateKeyHex_seed_plus_public"])[:32]
    return PrivateKey.from_secret(KeyType.ED25519, seed)


@pytest.mark.parametrize("folder", FOLDERS)
def test_key_matches(folder: str) -> None:
    values = _values(folder)
    key = _key(values)
    assert key.public_key.raw.hex() == values["publicKeyHex"]
    assert key.public_key.multikey == values["publicKeyMultibase"]
    assert values["verificationMethod"] == f"{values['controller']}#{values['publicKeyMultibase']}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_step_reproduces(folder: str) -> None:
    base = VECTORS / folder
    values = _values(folder)
    unsigned = load_json(base / "unsigned.json")
    proof_config = load_json(base / "proofConfig.json")

    canonical_document = SUITE.transform(
        unsigned, loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    assert canonical_document.decode("utf-8") == (base / "canonDoc.nq").read_text("utf-8")
    config = SUITE.configure(proof_config, unsigned)
    assert config["@context"] == unsigned["@context"]
    canonical_config = SUITE.canonicalize_config(
        config, loader=LOADER, canonicalizer=None, key_type=KeyType.ED25519
    )
    assert canonical_config.decode("utf-8") == (base / "canonProof.nq").read_text("utf-8")

    assert hashlib.sha256(canonical_document).hexdigest() == values["docHashHex"]
    assert hashlib.sha256(canonical_config).hexdigest() == values["proofHashHex"]
    hash_data = SUITE.hash(canonical_config, canonical_document, KeyType.ED25519)
    assert hash_data.hex() == values["dataToSignHex_proofHash_then_docHash"]
    assert _key(values).sign(hash_data).hex() == values["signatureHex"]
    assert SUITE.sign(hash_data, _key(values)) == values["proofValue"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_add_proof_gives_signed_json(folder: str) -> None:
    base = VECTORS / folder
    values = _values(folder)
    proof_config = load_json(base / "proofConfig.json")
    options = ProofOptions(
        cryptosuite="eddsa-rdfc-2022",
        verification_method=proof_config["verificationMethod"],
        created=parse_datetime(proof_config["created"], "created"),
    )
    signed = add_proof(load_json(base / "unsigned.json"), _key(values), options, loader=LOADER)
    expected = load_json(base / "signed.json")
    # the CLR vector holds its single proof in a list (the same JSON-LD as an object)
    if isinstance(expected["proof"], list):
        (expected["proof"],) = expected["proof"]
    assert signed == expected


@pytest.mark.parametrize("folder", FOLDERS)
def test_signed_json_verifies(folder: str) -> None:
    values = _values(folder)
    signed = load_json(VECTORS / folder / "signed.json")
    checks = verify_proofs(signed, resolver=ControllerResolver(values), now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(True, None)]
    proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
    assert [p["proofValue"] for p in proofs] == [values["proofValue"]]


@pytest.mark.parametrize("folder", FOLDERS)
def test_tampered_name_fails(folder: str) -> None:
    values = _values(folder)
    signed = load_json(VECTORS / folder / "signed.json")
    signed["name"] = signed["name"] + " (edited)"
    checks = verify_proofs(signed, resolver=ControllerResolver(values), now=NOW, loader=LOADER)
    assert [(c.ok, c.code) for c in checks] == [(False, ProblemCode.PROOF_INVALID)]


@pytest.mark.parametrize("folder", FOLDERS)
def test_unresolvable_controller_could_not_check(folder: str) -> None:
    signed = load_json(VECTORS / folder / "signed.json")

    class Nothing:
        def resolve(self, url: str) -> dict[str, Any]:
            raise ResolutionError(f"cannot resolve {url!r}")

    (check,) = verify_proofs(signed, resolver=Nothing(), now=NOW, loader=LOADER)
    assert not check.ok
    assert check.could_not_check
    assert check.code is ProblemCode.DID_UNRESOLVABLE
