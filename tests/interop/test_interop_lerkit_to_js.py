"""lerkit signs, Digital Bazaar verifies.

The demo Open Badge (with a revocation status entry) is signed by lerkit with each
JS-supported suite and key type; its status list credential is signed by lerkit with the
issuer's key and handed to the JS side as a resource. Digital Bazaar's libraries
(``dbvc.mjs verify-batch``: one Node process for the whole module) must accept what lerkit
signs and reject what was changed after signing, a revoked credential and a presentation
replayed for another challenge or domain. Every verdict is also checked against lerkit's
own verifier on the same document, so the two implementations are seen to agree.

Keys come from fixed seeds and every date is fixed: the signatures are deterministic (lerkit
signs ECDSA deterministically, RFC 6979).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from interop.node import node_available, verify_batch
from lerkit.bootstrap import build_verifier
from lerkit.config import Settings
from lerkit.core.dids.key import did_key
from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.core.issuer import issue
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.report import VerificationReport
from lerkit.core.status import BitstringStatusList, status_list_credential
from lerkit.core.types import JsonObject
from lerkit.demo import DEMO_STATUS_LIST_URL, demo_badge
from support import require

pytestmark = pytest.mark.interop

CREATED = datetime(2024, 1, 1, tzinfo=UTC)
VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
NOW_ISO = "2025-01-01T00:00:00Z"
STATUS_INDEX = 42
SUBJECT_DID = "did:example:learner-ada"
CHALLENGE = "c-lerkit-7f3a"
DOMAIN = "verifier.example.org"

# (label, key type, suite). Digital Bazaar's ecdsa-rdfc-2019 cryptosuite (with
# ecdsa-multikey) handles P-384 as well as P-256: it hashes with SHA-384 for P-384 keys,
# as the spec requires, and verifies lerkit's P-384 proofs (and rejects tampered ones).
SUITES: list[tuple[str, KeyType, str]] = [
    ("eddsa-rdfc-2022", KeyType.ED25519, "eddsa-rdfc-2022"),
    ("ed25519-signature-2020", KeyType.ED25519, "ed25519-signature-2020"),
    ("ecdsa-rdfc-2019-p256", KeyType.P256, "ecdsa-rdfc-2019"),
    ("ecdsa-rdfc-2019-p384", KeyType.P384, "ecdsa-rdfc-2019"),
]
# the holder's key and suite for the presentations (each presents the eddsa-rdfc-2022 badge)
HOLDER_SUITES: list[tuple[str, KeyType, str]] = [
    ("eddsa-rdfc-2022", KeyType.ED25519, "eddsa-rdfc-2022"),
    ("ed25519-signature-2020", KeyType.ED25519, "ed25519-signature-2020"),
    ("ecdsa-rdfc-2019-p384", KeyType.P384, "ecdsa-rdfc-2019"),
]
SECRET_SIZES = {KeyType.ED25519: 32, KeyType.P256: 32, KeyType.P384: 48}
MULTIKEY_PREFIX = {KeyType.ED25519: "z6Mk", KeyType.P256: "zDna", KeyType.P384: "z82L"}


def fixed_key(label: str, key_type: KeyType) -> PrivateKey:
    """A key from a fixed seed (a valid EC scalar for these labels: far below the order)."""
    seed = hashlib.sha512(f"lerkit-interop-l2j:{label}".encode()).digest()
    return PrivateKey.from_secret(key_type, seed[: SECRET_SIZES[key_type]])


def vm_of(key: PrivateKey) -> str:
    return f"{did_key(key.public_key)}#{key.public_key.multikey}"


@dataclass
class Case:
    """One document for both verifiers, with the verdict we expect from each."""

    kind: str  # credential | presentation
    document: JsonObject
    verified: bool
    problem: str  # the JS side's problem code (dbvc's classify()) = lerkit's code
    resources: dict[str, JsonObject] = field(default_factory=dict)
    challenge: str | None = None
    domain: str | None = None

    def batch_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": self.kind,
            "document": self.document,
            "resources": self.resources,
            "now": NOW_ISO,
        }
        if self.kind == "presentation":
            item["challenge"] = self.challenge
            if self.domain is not None:
                item["domain"] = self.domain
        return item


def signed_list(key: PrivateKey, suite: str, revoked: set[int]) -> JsonObject:
    """The issuer's revocation list credential, signed by lerkit with the issuer's key."""
    status_list = BitstringStatusList.new()
    for index in revoked:
        status_list.set(index)
    unsigned = status_list_credential(
        DEMO_STATUS_LIST_URL,
        did_key(key.public_key),
        "revocation",
        status_list,
        valid_from=VALID_FROM,
    )
    signed = issue(unsigned, key, verification_method=vm_of(key), created=CREATED, suite=suite)
    assert isinstance(signed, dict)
    return signed


def signed_badge(key: PrivateKey, suite: str, n: int) -> JsonObject:
    unsigned = demo_badge(
        issuer_did=did_key(key.public_key),
        subject_did=SUBJECT_DID,
        credential_id=f"urn:uuid:7d1b6c52-3c1e-4f0a-9a55-{n:012d}",
        valid_from=VALID_FROM,
        status_index=STATUS_INDEX,
    )
    signed = issue(unsigned, key, verification_method=vm_of(key), created=CREATED, suite=suite)
    assert isinstance(signed, dict)
    return signed


def tamper(credential: JsonObject) -> JsonObject:
    """Flip one value in credentialSubject after signing (the result: 88 -> 98)."""
    changed = copy.deepcopy(credential)
    result = changed["credentialSubject"]["result"][0]
    assert result["value"] == "88"
    result["value"] = "98"
    return changed


def signed_presentation(credential: JsonObject, holder: PrivateKey, suite: str) -> JsonObject:
    unsigned = create_presentation(
        [credential],
        holder=did_key(holder.public_key),
        presentation_id="urn:uuid:0c0ffee0-0000-4000-8000-000000000001",
    )
    vp = sign_presentation(
        unsigned,
        holder,
        verification_method=vm_of(holder),
        created=CREATED,
        challenge=CHALLENGE,
        domain=DOMAIN,
        suite=suite,
    )
    assert isinstance(vp, dict)
    assert (vp["proof"]["challenge"], vp["proof"]["domain"]) == (CHALLENGE, DOMAIN)
    assert vp["proof"]["proofPurpose"] == "authentication"
    return vp


def build_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    badges: dict[str, tuple[JsonObject, dict[str, JsonObject]]] = {}
    for n, (label, key_type, suite) in enumerate(SUITES, 1):
        key = fixed_key(f"issuer-{label}", key_type)
        assert key.public_key.multikey.startswith(MULTIKEY_PREFIX[key_type])
        badge = signed_badge(key, suite, n)
        assert badge["proof"]["verificationMethod"] == vm_of(key)
        live = {DEMO_STATUS_LIST_URL: signed_list(key, suite, set())}
        revoked = {DEMO_STATUS_LIST_URL: signed_list(key, suite, {STATUS_INDEX})}
        badges[label] = (badge, live)
        cases[f"{label}/valid"] = Case("credential", badge, True, "valid", live)
        cases[f"{label}/tampered"] = Case("credential", tamper(badge), False, "proof.invalid", live)
        cases[f"{label}/revoked"] = Case("credential", badge, False, "status.revoked", revoked)

    # the holder presents the eddsa-rdfc-2022 badge, bound to a challenge and domain
    badge, live = badges["eddsa-rdfc-2022"]
    for label, key_type, suite in HOLDER_SUITES:
        vp = signed_presentation(badge, fixed_key(f"holder-{label}", key_type), suite)
        cases[f"vp-{label}/valid"] = Case(
            "presentation", vp, True, "valid", live, CHALLENGE, DOMAIN
        )
        cases[f"vp-{label}/wrong-challenge"] = Case(
            "presentation", vp, False, "proof.challenge_mismatch", live, "c-other", DOMAIN
        )
        cases[f"vp-{label}/wrong-domain"] = Case(
            "presentation", vp, False, "proof.domain_mismatch", live, CHALLENGE, "evil.example"
        )
    return cases


CASE_NAMES = sorted(
    [f"{label}/{what}" for label, _, _ in SUITES for what in ("valid", "tampered", "revoked")]
    + [
        f"vp-{label}/{what}"
        for label, _, _ in HOLDER_SUITES
        for what in ("valid", "wrong-challenge", "wrong-domain")
    ]
)


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    built = build_cases()
    assert sorted(built) == CASE_NAMES
    return built


@pytest.fixture(scope="module")
def js_results(cases: dict[str, Case]) -> dict[str, dict[str, Any]]:
    """Digital Bazaar's verdict on every case, from one Node process."""
    require(node_available(), "Node with tests/interop/node_modules")
    results = verify_batch([cases[name].batch_item() for name in CASE_NAMES])
    return dict(zip(CASE_NAMES, results, strict=True))


def lerkit_report(case: Case) -> VerificationReport:
    verifier = build_verifier(Settings(), resources=case.resources)
    if case.kind == "presentation":
        return verifier.verify_presentation(
            case.document, challenge=case.challenge, domain=case.domain, now=NOW
        )
    return verifier.verify_credential(case.document, now=NOW)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_digital_bazaar_verdict(
    cases: dict[str, Case], js_results: dict[str, dict[str, Any]], name: str
) -> None:
    case = cases[name]
    result = js_results[name]
    assert (result["verified"], result["problem"]) == (case.verified, case.problem), result
    assert bool(result["errors"]) is not result["verified"], result


@pytest.mark.parametrize("name", CASE_NAMES)
def test_lerkit_agrees(cases: dict[str, Case], name: str) -> None:
    """lerkit's verifier gives the same verdict on what it handed to the JS side."""
    case = cases[name]
    report = lerkit_report(case)
    assert report.verified is case.verified, report.to_json()
    if case.verified:
        assert report.codes == [], report.to_json()
    else:
        assert case.problem in report.codes, report.to_json()


def test_lerkit_signatures_are_deterministic(cases: dict[str, Case]) -> None:
    """Fixed seeds and dates: signing again gives the same proofs (ECDSA too)."""
    again = build_cases()
    for name, case in cases.items():
        assert again[name].document == case.document, name
