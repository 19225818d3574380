"""ecdsa-sd-2023 beyond the published vectors: issuing, deriving and verifying Open Badges
3.0 credentials, the holder's choices, tampering (each kind gives ``proof.invalid``), bad
input (stable problem codes, never a crash), the CBOR subset and JSON pointers, and a
property test: any subset of the disclosable pointers derives a credential that verifies
and reveals exactly what was chosen plus the mandatory parts.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core import issuer as core_issuer
from lerkit.core.dataintegrity import ProofOptions, add_proof, verify_proofs
from lerkit.core.dids import MethodResolver
from lerkit.core.errors import CryptoError, InputError, KeyFormatError, ProblemCode, SigningError
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_decode, b64url_encode
from lerkit.core.report import Verdict
from lerkit.core.suites import ecdsa_sd_2023 as sd_suite
from lerkit.core.suites import sd_primitives as sd
from lerkit.core.suites.ecdsa_sd_2023 import (
    default_mandatory_pointers,
    derive,
    disclosable_pointers,
    sign_base,
)
from lerkit.core.types import JsonObject
from lerkit.core.verify import VerifyContext, verify_credential

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUER = PrivateKey.generate(KeyType.P256, b"lerkit-ecdsa-sd-unit-issuer-key!" * 2)
OTHER = PrivateKey.generate(KeyType.P256, b"lerkit-ecdsa-sd-unit-other-key!!" * 2)
ISSUER_DID = f"did:key:{ISSUER.public_key.multikey}"
VM = f"{ISSUER_DID}#{ISSUER.public_key.multikey}"
RESOLVER = MethodResolver()


def entropy_from(seed: bytes) -> Any:
    """Deterministic 'entropy' for tests: SHA-256 in counter mode."""
    counter = [0]

    def draw(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(seed + counter[0].to_bytes(4, "big")).digest()
            counter[0] += 1
        return out[:n]

    return draw


def badge() -> JsonObject:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:9b1c3e0a-2222-4c3d-8e00-0000000000b2",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER_DID, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": "2026-01-15T00:00:00Z",
        "name": "Data Analysis",
        "credentialSubject": {
            "id": "did:example:learner-7",
            "type": ["AchievementSubject"],
            "name": "Grace Learner",
            "achievement": {
                "id": "https://example.org/achievements/data",
                "type": ["Achievement"],
                "name": "Data Analysis",
                "description": "Analyses data.",
                "criteria": {"narrative": "Passed."},
            },
            "result": [
                {"type": ["Result"], "value": "88", "status": "Completed"},
                {"type": ["Result"], "value": "B+"},
            ],
            "activityEndDate": "2026-01-10T00:00:00Z",
        },
        "evidence": [
            {"id": "https://example.org/evidence/9", "type": ["Evidence"], "name": "Report"}
        ],
    }


def base_badge(seed: bytes = b"seed-1") -> JsonObject:
    doc = badge()
    return sign_base(
        doc,
        ISSUER,
        VM,
        mandatory_pointers=default_mandatory_pointers(doc),
        created=CREATED,
        entropy=entropy_from(seed),
    )


BASE = base_badge()


def checks(document: JsonObject, **kwargs: Any) -> list[tuple[bool, ProblemCode | None]]:
    return [(c.ok, c.code) for c in verify_proofs(document, resolver=RESOLVER, now=NOW, **kwargs)]


# -- issuing -------------------------------------------------------------------------------


def test_default_mandatory_pointers_for_an_open_badge() -> None:
    assert default_mandatory_pointers(badge()) == [
        "/id",
        "/issuer",
        "/validFrom",
        "/name",
        "/credentialSubject/id",
        "/credentialSubject/achievement",
    ]


def test_base_proof_shape_and_determinism() -> None:
    proof = BASE["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "ecdsa-sd-2023"
    assert proof["created"] == "2026-03-01T12:00:00Z"
    assert proof["verificationMethod"] == VM
    assert proof["proofPurpose"] == "assertionMethod"
    assert b64url_decode(proof["proofValue"][1:])[:3] == b"\xd9\x5d\x00"
    assert base_badge() == BASE  # same entropy, same credential
    assert base_badge(b"seed-2")["proof"]["proofValue"] != proof["proofValue"]
    parsed = sd_suite.parse_base_proof_value(proof["proofValue"])
    assert parsed.mandatory_pointers == default_mandatory_pointers(badge())
    assert "hmac_key" not in repr(parsed) or parsed.hmac_key.hex() not in repr(parsed)


def test_sign_base_refuses_bad_input() -> None:
    doc = badge()
    with pytest.raises(InputError, match="entropy"):
        sign_base(doc, ISSUER, VM, mandatory_pointers=[])
    ed = PrivateKey.generate(KeyType.ED25519, b"e" * 32)
    with pytest.raises(KeyFormatError) as key_err:
        sign_base(doc, ed, VM, mandatory_pointers=[], entropy=entropy_from(b"x"))
    assert key_err.value.code is ProblemCode.KEY_UNSUPPORTED
    bad: list[Any] = [["issuer"], ["/nope"], ["/credentialSubject/result/7"], ["/a~2b"], "/id"]
    for pointers in bad:
        with pytest.raises(InputError) as err:
            sign_base(doc, ISSUER, VM, mandatory_pointers=pointers, entropy=entropy_from(b"x"))
        assert err.value.code is ProblemCode.SD_POINTER_INVALID
    with pytest.raises(InputError, match="without a proof"):
        sign_base(BASE, ISSUER, VM, mandatory_pointers=[], entropy=entropy_from(b"x"))
    with pytest.raises(InputError, match="32 bytes"):
        sign_base(
            doc, ISSUER, VM, mandatory_pointers=[], hmac_key=b"short", entropy=entropy_from(b"x")
        )


def test_issue_with_ecdsa_sd_2023() -> None:
    signed = core_issuer.issue(
        badge(),
        ISSUER,
        verification_method=VM,
        created=CREATED,
        suite="ecdsa-sd-2023",
        entropy=entropy_from(b"issue"),
    )
    assert isinstance(signed, dict)
    base = sd_suite.parse_base_proof_value(signed["proof"]["proofValue"])
    assert base.mandatory_pointers == default_mandatory_pointers(badge())
    assert checks(derive(signed, [])) == [(True, None)]
    custom = core_issuer.issue(
        badge(),
        ISSUER,
        verification_method=VM,
        created=CREATED,
        suite="ecdsa-sd-2023",
        entropy=entropy_from(b"issue"),
        mandatory_pointers=["/issuer"],
    )
    assert isinstance(custom, dict)
    assert sd_suite.parse_base_proof_value(custom["proof"]["proofValue"]).mandatory_pointers == [
        "/issuer"
    ]
    with pytest.raises(SigningError, match="entropy"):
        core_issuer.issue(
            badge(), ISSUER, verification_method=VM, created=CREATED, suite="ecdsa-sd-2023"
        )
    ed = PrivateKey.generate(KeyType.ED25519, b"f" * 32)
    ed_did = f"did:key:{ed.public_key.multikey}"
    doc = {**badge(), "issuer": {**badge()["issuer"], "id": ed_did}}
    with pytest.raises(SigningError) as err:
        core_issuer.issue(
            doc,
            ed,
            verification_method=f"{ed_did}#{ed.public_key.multikey}",
            created=CREATED,
            suite="ecdsa-sd-2023",
            entropy=entropy_from(b"x"),
        )
    assert err.value.code is ProblemCode.KEY_UNSUPPORTED
    with pytest.raises(InputError) as err2:
        core_issuer.issue(
            badge(),
            ISSUER,
            verification_method=VM,
            created=CREATED,
            suite="ecdsa-rdfc-2019",
            mandatory_pointers=["/issuer"],
        )
    assert err2.value.code is ProblemCode.SD_POINTER_INVALID


def test_add_proof_points_to_sign_base() -> None:
    options = ProofOptions(cryptosuite="ecdsa-sd-2023", verification_method=VM, created=CREATED)
    with pytest.raises(InputError, match="sign_base") as err:
        add_proof(badge(), ISSUER, options)
    assert err.value.code is ProblemCode.PROOF_UNSUPPORTED


# -- deriving and verifying ----------------------------------------------------------------


def test_derive_reveals_the_choice_and_the_mandatory_parts() -> None:
    derived = derive(BASE, ["/credentialSubject/result/0/value", "/evidence"])
    assert b64url_decode(derived["proof"]["proofValue"][1:])[:3] == b"\xd9\x5d\x01"
    subject = derived["credentialSubject"]
    assert subject == {
        "id": "did:example:learner-7",
        "type": ["AchievementSubject"],
        "achievement": badge()["credentialSubject"]["achievement"],
        "result": [{"type": ["Result"], "value": "88"}],
    }
    assert derived["evidence"] == badge()["evidence"]
    assert derived["issuer"] == badge()["issuer"]
    assert derived["name"] == "Data Analysis"
    assert checks(derived) == [(True, None)]
    check = verify_proofs(derived, resolver=RESOLVER, now=NOW)[0]
    assert check.message.startswith("ecdsa-sd-2023 derived proof verified with did:key:")


def test_nothing_but_the_mandatory_parts() -> None:
    derived = derive(BASE, [])
    assert "result" not in derived["credentialSubject"]
    assert "evidence" not in derived
    assert checks(derived) == [(True, None)]


def test_a_pointer_into_an_array_of_one() -> None:
    """``/evidence/0``: JSON-LD compaction makes the one-element array a single object; the
    pointer still selects it (Digital Bazaar's library refuses such a pointer)."""
    derived = derive(BASE, ["/evidence/0/name"])
    assert derived["evidence"] == [
        {"id": "https://example.org/evidence/9", "type": ["Evidence"], "name": "Report"}
    ]
    assert checks(derived) == [(True, None)]


def test_derive_refuses_bad_input() -> None:
    for pointers, code in (
        (["/credentialSubject/nope"], ProblemCode.SD_POINTER_INVALID),
        (["credentialSubject"], ProblemCode.SD_POINTER_INVALID),
        ([3], ProblemCode.SD_POINTER_INVALID),
    ):
        with pytest.raises(InputError) as err:
            derive(BASE, pointers)  # type: ignore[arg-type]
        assert err.value.code is code
    derived = derive(BASE, [])
    with pytest.raises(InputError) as err:
        derive(derived, [])
    assert err.value.code is ProblemCode.SD_NO_BASE_PROOF
    with pytest.raises(InputError) as err:
        derive(badge(), [])
    assert err.value.code is ProblemCode.SD_NO_BASE_PROOF
    with pytest.raises(InputError, match="presentation header"):
        derive(BASE, [], presentation_header=b"x")
    bare = sign_base(badge(), ISSUER, VM, mandatory_pointers=[], entropy=entropy_from(b"b"))
    with pytest.raises(InputError) as err:
        derive(bare, [])
    assert err.value.code is ProblemCode.SD_NOTHING_SELECTED
    assert checks(derive(bare, ["/credentialSubject/name"])) == [(True, None)]


def test_the_verifier_refuses_a_base_proof_and_the_holder_confirms_it() -> None:
    assert checks(BASE) == [(False, ProblemCode.SD_BASE_PROOF)]
    assert checks(BASE, confirm_sd_base=True) == [(True, None)]
    changed = copy.deepcopy(BASE)
    changed["credentialSubject"]["result"][1]["value"] = "A+"
    assert checks(changed, confirm_sd_base=True) == [(False, ProblemCode.PROOF_INVALID)]
    report = verify_credential(BASE, VerifyContext(resolver=RESOLVER, now=NOW))
    assert report.verdict is Verdict.INVALID
    assert ProblemCode.SD_BASE_PROOF in report.codes


def test_the_verification_pipeline_accepts_a_derived_badge() -> None:
    derived = derive(BASE, ["/credentialSubject/result"])
    report = verify_credential(derived, VerifyContext(resolver=RESOLVER, now=NOW))
    assert report.verdict is Verdict.VALID, report.to_json()


def _reencode(proof_value: str, mutate: Any) -> str:
    data = b64url_decode(proof_value[1:])
    items = sd.cbor_decode(data[3:])
    mutate(items)
    return "u" + b64url_encode(data[:3] + sd.cbor_encode(items))


def _tampered() -> dict[str, JsonObject]:
    derived = derive(BASE, ["/credentialSubject/result", "/credentialSubject/name"])
    out: dict[str, JsonObject] = {}

    def variant(name: str) -> JsonObject:
        out[name] = copy.deepcopy(derived)
        return out[name]

    variant("changed value")["credentialSubject"]["result"][0]["value"] = "100"
    variant("changed mandatory value")["credentialSubject"]["achievement"]["name"] = "Physics"
    variant("added statement")["credentialSubject"]["result"][1]["status"] = "Completed"
    del variant("removed statement")["credentialSubject"]["name"]
    del variant("removed array element")["credentialSubject"]["result"][1]
    variant("changed proof option")["proof"]["created"] = "2026-03-02T12:00:00Z"
    doc = variant("wrong issuer key")
    other_did = f"did:key:{OTHER.public_key.multikey}"
    doc["proof"]["verificationMethod"] = f"{other_did}#{OTHER.public_key.multikey}"
    doc = variant("swapped signatures")
    doc["proof"]["proofValue"] = _reencode(
        doc["proof"]["proofValue"], lambda items: items[2].reverse()
    )
    doc = variant("other mandatory indexes")
    doc["proof"]["proofValue"] = _reencode(
        doc["proof"]["proofValue"], lambda items: items.__setitem__(4, items[4][1:])
    )
    doc = variant("mandatory index out of range")
    doc["proof"]["proofValue"] = _reencode(
        doc["proof"]["proofValue"], lambda items: items[4].append(999)
    )
    doc = variant("label map entry dropped")
    doc["proof"]["proofValue"] = _reencode(
        doc["proof"]["proofValue"], lambda items: items[3].pop(min(items[3]))
    )
    doc = variant("other proof key")
    doc["proof"]["proofValue"] = _reencode(
        doc["proof"]["proofValue"],
        lambda items: items.__setitem__(1, b"\x80\x24" + OTHER.public_key.raw),
    )
    return out


@pytest.mark.parametrize("name", list(_tampered()))
def test_tampering_is_caught(name: str) -> None:
    assert checks(_tampered()[name]) == [(False, ProblemCode.PROOF_INVALID)]


@pytest.mark.parametrize(
    "proof_value",
    [
        "z3abc",
        "u",
        "u!!!",
        "u" + b64url_encode(b"\xd9\x5d\x07" + sd.cbor_encode([])),
        "u" + b64url_encode(b"\xd9\x5d\x01" + sd.cbor_encode([1, 2])),
        "u" + b64url_encode(b"\xd9\x5d\x01" + sd.cbor_encode([b"x" * 64, b"y", [], {}, []])),
        "u" + b64url_encode(b"\xd9\x5d\x01\x85"),
        "u" + b64url_encode(b"\xd9\x5d\x01\x9f\xff"),
    ],
)
def test_malformed_proof_values(proof_value: str) -> None:
    derived = derive(BASE, [])
    derived["proof"]["proofValue"] = proof_value
    assert checks(derived) == [(False, ProblemCode.PROOF_MALFORMED)]


def test_a_p384_issuer_key_is_refused() -> None:
    p384 = PrivateKey.generate(KeyType.P384, b"p" * 48)
    with pytest.raises(KeyFormatError):
        sign_base(badge(), p384, VM, mandatory_pointers=[], entropy=entropy_from(b"x"))
    with pytest.raises(KeyFormatError):
        sd_suite.verify_derived(badge(), derive(BASE, [])["proof"], p384.public_key)


def test_verify_derived_raises_for_bad_proofs() -> None:
    derived = derive(BASE, [])
    document = {k: v for k, v in derived.items() if k != "proof"}
    sd_suite.verify_derived(document, derived["proof"], ISSUER.public_key)
    with pytest.raises(CryptoError):
        sd_suite.verify_derived(document, derived["proof"], OTHER.public_key)
    with pytest.raises(CryptoError) as err:
        sd_suite.verify_derived(document, BASE["proof"], ISSUER.public_key)
    assert err.value.code is ProblemCode.SD_BASE_PROOF


# -- the holder's choice -------------------------------------------------------------------


def test_disclosable_pointers() -> None:
    pointers = disclosable_pointers(BASE)
    assert pointers == [
        "/credentialSubject",
        "/credentialSubject/name",
        "/credentialSubject/result",
        "/credentialSubject/result/0",
        "/credentialSubject/result/0/value",
        "/credentialSubject/result/0/status",
        "/credentialSubject/result/1",
        "/credentialSubject/result/1/value",
        "/credentialSubject/activityEndDate",
        "/evidence",
        "/evidence/0",
        "/evidence/0/name",
    ]
    everything = sign_base(badge(), ISSUER, VM, mandatory_pointers=[""], entropy=entropy_from(b"a"))
    assert disclosable_pointers(everything) == []
    with pytest.raises(InputError):
        disclosable_pointers(badge())


def _leaves(value: Any, pointer: str = "") -> set[str]:
    """Pointers to every scalar of a document (``@context`` and ``proof`` left out)."""
    if isinstance(value, dict):
        out: set[str] = set()
        for k, v in value.items():
            if k not in ("@context", "proof"):
                out |= _leaves(v, f"{pointer}/{sd.escape_token(k)}")
        return out
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _leaves(v, f"{pointer}/{i}")}
    return {pointer}


def _expected_leaves(pointers: list[str]) -> set[str]:
    """The scalars the mandatory and chosen pointers reveal, with the ids and types of every
    object on the way (and array positions renumbered as the revealed arrays are dense)."""
    selected = sd.select_json_ld(
        {k: v for k, v in badge().items()}, default_mandatory_pointers(badge()) + pointers
    )
    assert selected is not None
    return _leaves(selected)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.sets(st.sampled_from(disclosable_pointers(BASE)), max_size=5))
def test_any_subset_derives_a_credential_that_verifies(chosen: set[str]) -> None:
    pointers = sorted(chosen)
    derived = derive(BASE, pointers)
    assert checks(derived) == [(True, None)]
    assert _leaves(derived) == _expected_leaves(pointers)
    # every chosen value is there, unchanged, and nothing outside the choice
    original = badge()
    for pointer in pointers:
        value = sd.resolve_pointer(original, pointer)
        if not isinstance(value, (dict, list)):
            assert value in {sd.resolve_pointer(derived, p) for p in _leaves(derived)}
    expected = sd.select_json_ld(original, default_mandatory_pointers(original) + pointers)
    assert {k: v for k, v in derived.items() if k != "proof"} == expected
    # a value found once in the badge and under no chosen or mandatory pointer stays hidden
    revealed = [sd.resolve_pointer(derived, p) for p in _leaves(derived)]
    values = [sd.resolve_pointer(original, p) for p in _leaves(original)]
    shown = set(default_mandatory_pointers(original)) | set(pointers)
    for pointer in _leaves(original):
        value = sd.resolve_pointer(original, pointer)
        tokens = sd.parse_pointer(pointer)
        under = any(tokens[: len(sd.parse_pointer(s))] == sd.parse_pointer(s) for s in shown)
        if not under and values.count(value) == 1 and "type" not in tokens and tokens[-1] != "id":
            assert value not in revealed, pointer


# -- primitives ----------------------------------------------------------------------------


def test_cbor_round_trip_and_canonical_form() -> None:
    value = [
        b"\x01" * 64,
        b"",
        [b"ab", b"cd"],
        {2: b"x", 0: b"y", 10: b""},
        [0, 23, 24, 255, 256, 70000, 2**33],
        "ü",
        -5,
    ]
    encoded = sd.cbor_encode(value)
    assert sd.cbor_decode(encoded) == value
    assert sd.cbor_encode({1: b"", 0: b""}) == bytes.fromhex("a200400140")
    assert sd.cbor_encode(24) == b"\x18\x18"
    assert sd.cbor_encode(-1) == b"\x20"
    assert sd.cbor_decode(bytes.fromhex("d84043010203")) == b"\x01\x02\x03"  # tag 64


@pytest.mark.parametrize(
    "data",
    [
        *("", "83", "8301", "9fff", "a2000000", "c101", "f5", "5a00000100", "6261ff"),
        *("a1410000", "0000", "81" * 12 + "00"),
    ],
)
def test_cbor_decode_refuses(data: str) -> None:
    with pytest.raises(InputError) as err:
        sd.cbor_decode(bytes.fromhex(data))
    assert err.value.code is ProblemCode.PROOF_MALFORMED


def test_cbor_encode_refuses_other_types() -> None:
    for value in (True, None, 1.5, object()):
        with pytest.raises(TypeError):
            sd.cbor_encode(value)


def test_json_pointers() -> None:
    doc = {"a/b": {"c~d": [10, {"e": 1}]}, "": 5}
    assert sd.parse_pointer("") == []
    assert sd.parse_pointer("/a~1b/c~0d/1") == ["a/b", "c~d", "1"]
    assert sd.resolve_pointer(doc, "/a~1b/c~0d/1/e") == 1
    assert sd.resolve_pointer(doc, "/") == 5
    assert sd.escape_token("a/b~c") == "a~1b~0c"
    for bad in ("a", "/a~2b", "/a~", "/a~1b/c~0d/01", "/a~1b/c~0d/2", "/a~1b/c~0d/-"):
        with pytest.raises(InputError) as err:
            sd.resolve_pointer(doc, bad)
        assert err.value.code is ProblemCode.SD_POINTER_INVALID
    with pytest.raises(InputError):
        sd.parse_pointer("/x" * 100)


def test_select_json_ld() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:x",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "_:b0", "type": "T", "a": 1, "b": [1, 2, 3], "c": {"d": 4}},
    }
    assert sd.select_json_ld(doc, []) is None
    assert sd.select_json_ld(doc, ["/credentialSubject/b/2", "/credentialSubject/b/0"]) == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:x",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"type": "T", "b": [1, 3]},
    }
    assert sd.select_json_ld(doc, ["/credentialSubject/c", "/credentialSubject/c/d"]) == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:x",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"type": "T", "c": {"d": 4}},
    }
    assert sd.select_json_ld(doc, ["/credentialSubject/a", ""]) == doc
    without_types = sd.select_json_ld(doc, ["/credentialSubject/a"], include_types=False)
    assert without_types == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:x",
        "credentialSubject": {"a": 1},
    }


def test_lists_and_json_literals() -> None:
    """An ordered ``@list`` is not a node (no skolem id) and a ``@json`` literal is a value:
    both can be revealed or hidden."""
    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {
                "items": {"@id": "https://example.org/items", "@container": "@list"},
                "label": "https://example.org/label",
                "note": {"@id": "https://example.org/note", "@type": "@json"},
            },
        ],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "items": [{"label": "a"}, {"label": "b"}],
            "label": "x",
            "note": {"any": ["json", 1]},
        },
    }
    base = sign_base(doc, ISSUER, VM, mandatory_pointers=["/issuer"], entropy=entropy_from(b"l"))
    for chosen in (["/credentialSubject/items"], ["/credentialSubject/note"], []):
        derived = derive(base, chosen)
        assert checks(derived) == [(True, None)], chosen
        assert set(derived.get("credentialSubject", {})) == {p.split("/")[-1] for p in chosen}
    tampered = derive(base, ["/credentialSubject/items"])
    tampered["credentialSubject"]["items"].reverse()  # a list's order is signed
    assert checks(tampered) == [(False, ProblemCode.PROOF_INVALID)]


def test_a_presentation_of_a_derived_credential() -> None:
    """The holder presents a derived credential in a VP signed for the verifier's challenge
    and domain: valid; presenting the base credential instead is refused."""
    from lerkit.core.holder import create_presentation, sign_presentation
    from lerkit.core.verify import verify_presentation

    holder = PrivateKey.generate(KeyType.ED25519, b"holder-of-the-badge-seed-0000000")
    holder_did = f"did:key:{holder.public_key.multikey}"
    ctx = VerifyContext(resolver=RESOLVER, now=NOW)

    def present(credential: JsonObject) -> Any:
        vp = create_presentation([credential], holder=holder_did)
        return sign_presentation(
            vp,
            holder,
            verification_method=f"{holder_did}#{holder.public_key.multikey}",
            created=CREATED,
            challenge="c-42",
            domain="employer.example",
        )

    good = verify_presentation(
        present(derive(BASE, ["/credentialSubject/result/0"])),
        ctx,
        challenge="c-42",
        domain="employer.example",
    )
    assert good.verdict is Verdict.VALID, good.to_json()
    refused = verify_presentation(present(BASE), ctx, challenge="c-42", domain="employer.example")
    assert refused.verdict is Verdict.INVALID
    assert ProblemCode.SD_BASE_PROOF in refused.credentials[0].codes


class _FragmentKey:
    """The 1EdTech fixture's key: ``https://1edtech.edu/issuers/565049#zDnae…``."""

    def __init__(self, method: str) -> None:
        from lerkit.core.dataintegrity import multikey_verification_method
        from lerkit.core.keys import PublicKey

        self.base, fragment = method.split("#")
        vm = multikey_verification_method(PublicKey.from_multikey(fragment), self.base)
        self.document = {"id": self.base, "verificationMethod": [vm], "assertionMethod": [vm["id"]]}

    def resolve(self, did: str) -> dict[str, Any]:
        assert did == self.base
        return self.document


def test_the_1edtech_derived_credential_and_a_tampered_copy() -> None:
    from support import FIXTURES, load_json

    document = load_json(FIXTURES / "1edtech-validator" / "ob30" / "sd" / "derivedcredential.json")
    resolver = _FragmentKey(document["proof"][0]["verificationMethod"])
    ok = verify_proofs(document, resolver=resolver, now=NOW)
    assert [(c.ok, c.code) for c in ok] == [(True, None)]
    document["credentialSubject"]["achievement"]["name"] = "Leadership"
    bad = verify_proofs(document, resolver=resolver, now=NOW)
    assert [(c.ok, c.code) for c in bad] == [(False, ProblemCode.PROOF_INVALID)]
