"""Properties of the cryptosuites: round trips for every suite and key type, any single
changed value fails, and no garbage makes verify_proofs raise."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core.dataintegrity import ProofOptions, add_proof, verify_proofs
from lerkit.core.dids import did_key, resolve_did_key
from lerkit.core.errors import ResolutionError
from lerkit.core.jsonld import StaticDocumentLoader
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.types import JsonObject
from support import VECTORS, load_json

LOADER = StaticDocumentLoader()
NOW = datetime(2024, 6, 1, tzinfo=UTC)
CREATED = datetime(2024, 5, 1, tzinfo=UTC)
UNSIGNED: JsonObject = load_json(VECTORS / "w3c-vc-di-eddsa" / "unsigned.json")
SUITES = {
    "eddsa-rdfc-2022": [KeyType.ED25519],
    "eddsa-jcs-2022": [KeyType.ED25519],
    "Ed25519Signature2020": [KeyType.ED25519],
    "ecdsa-rdfc-2019": [KeyType.P256, KeyType.P384],
    "ecdsa-jcs-2019": [KeyType.P256, KeyType.P384],
}
SUITE_KEY_TYPES = [(s, k) for s, kts in SUITES.items() for k in kts]
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class DidKeyResolver:
    def resolve(self, did: str) -> dict[str, Any]:
        if not did.startswith("did:key:"):
            raise ResolutionError(f"test resolver knows only did:key, not {did!r}")
        return resolve_did_key(did)


RESOLVER = DidKeyResolver()


def _sign(document: JsonObject, key: PrivateKey, cryptosuite: str) -> JsonObject:
    method = f"{did_key(key.public_key)}#{key.public_key.multikey}"
    options = ProofOptions(cryptosuite=cryptosuite, verification_method=method, created=CREATED)
    return add_proof(document, key, options, loader=LOADER)


def _verify(document: Any) -> list[Any]:
    return verify_proofs(document, resolver=RESOLVER, now=NOW, loader=LOADER)


# text that JSON and N-Quads carry unchanged (no lone surrogates: not valid UTF-8)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@FAST
@given(
    suite_key=st.sampled_from(SUITE_KEY_TYPES),
    entropy=st.binary(min_size=64, max_size=64),
    name=TEXT,
    alumni_of=TEXT,
)
def test_round_trip(
    suite_key: tuple[str, KeyType], entropy: bytes, name: str, alumni_of: str
) -> None:
    cryptosuite, key_type = suite_key
    key = PrivateKey.generate(key_type, entropy)
    document = copy.deepcopy(UNSIGNED)
    document["name"] = name
    document["credentialSubject"]["alumniOf"] = alumni_of
    signed = _sign(document, key, cryptosuite)
    checks = _verify(signed)
    assert [c.ok for c in checks] == [True], checks[0].message


def _scalar_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _scalar_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _scalar_paths(v, (*path, i))]
    return [path]


SIGNED = {
    (s, k): _sign(UNSIGNED, PrivateKey.generate(k, bytes([len(s)] * 64)), s)
    for s, k in SUITE_KEY_TYPES
}


@st.composite
def _one_change(draw: st.DrawFn) -> tuple[JsonObject, tuple[Any, ...]]:
    signed = copy.deepcopy(SIGNED[draw(st.sampled_from(SUITE_KEY_TYPES))])
    path = draw(st.sampled_from(_scalar_paths(signed)))
    target: Any = signed
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = draw(
        st.one_of(TEXT, st.integers(), st.booleans(), st.none()).filter(lambda v: v != old)
    )
    return signed, path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_one_change())
def test_any_single_changed_value_fails(change: tuple[JsonObject, tuple[Any, ...]]) -> None:
    document, path = change
    checks = _verify(document)
    assert len(checks) == 1
    assert not checks[0].ok, path
    assert checks[0].code is not None


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.one_of(TEXT, st.sampled_from(["@id", "@type", "@context", "id"])),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)
PROOF_KEYS = st.sampled_from(
    [
        "type",
        "cryptosuite",
        "proofValue",
        "verificationMethod",
        "proofPurpose",
        "created",
        "expires",
        "domain",
        "challenge",
        "previousProof",
        "id",
        "@context",
    ]
)


@FAST
@given(garbage=JSON)
def test_garbage_proof_never_raises(garbage: Any) -> None:
    checks = _verify({**UNSIGNED, "proof": garbage})
    assert checks
    assert not any(c.ok for c in checks)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    suite_key=st.sampled_from(SUITE_KEY_TYPES),
    changes=st.dictionaries(PROOF_KEYS, JSON, min_size=1, max_size=3),
)
def test_garbage_in_a_valid_proof_never_raises(
    suite_key: tuple[str, KeyType], changes: dict[str, Any]
) -> None:
    signed = copy.deepcopy(SIGNED[suite_key])
    signed["proof"].update(changes)
    checks = _verify(signed)
    assert len(checks) == 1


@FAST
@given(document=st.dictionaries(st.one_of(TEXT, st.just("@context")), JSON, max_size=5))
def test_garbage_document_with_a_valid_proof_never_raises(document: JsonObject) -> None:
    proof = SIGNED[("eddsa-rdfc-2022", KeyType.ED25519)]["proof"]
    checks = _verify({**document, "proof": proof})
    assert len(checks) == 1
    assert not checks[0].ok


@FAST
@given(document=JSON)
def test_any_json_never_raises(document: Any) -> None:
    assert _verify(document)
