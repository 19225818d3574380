"""SD-JWT (RFC 9901) and SD-JWT VC: the RFC's own examples, round trips, tampering, properties.

The RFC 9901 vectors (tests/vectors/sd-jwt/, see SOURCE.md there): every published
Disclosure hashes to its published digest; lerkit's issuer, given the §5.1 claims and the
published salts, produces the published Disclosures and digests byte for byte; the §5.1
SD-JWT and the §5.2 SD-JWT+KB verify with the Appendix A.5 issuer key, and §5.2 gives the
published processed payload.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lerkit.core.dids import MethodResolver, did_jwk, did_key
from lerkit.core.dids.key import verification_method_id
from lerkit.core.errors import (
    CryptoError,
    InputError,
    LerkitError,
    ProblemCode,
    ResolutionError,
    SigningError,
)
from lerkit.core.jose import decode_unverified, sign_jwt
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_encode
from lerkit.core.sdjwt import (
    SD_JWT_VC_TYP,
    decode_disclosure,
    decode_sd_jwt,
    disclosure_digest,
    encode_disclosure,
    issue_sd_jwt_vc,
    parse_path,
    pointer,
    present,
    verify_sd_jwt,
    verify_sd_jwt_vc,
)
from lerkit.core.types import JsonObject
from support import VECTORS

SD_VECTORS = VECTORS / "sd-jwt"
RFC: dict[str, Any] = json.loads((SD_VECTORS / "rfc9901.json").read_text("utf-8"))
#: RFC 9901 Appendix A.5: the example holder key (its public part is the §5.1 cnf)
RFC_HOLDER_JWK = {
    **RFC["section_5_1"]["payload"]["cnf"]["jwk"],
    "d": "5K5SCos8zf9zRemGGUl6yfok-_NiiryNZsvANWMhF-I",
}
RFC_KB_IAT = datetime.fromtimestamp(1748537244, UTC)

ISSUED = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VCT = "https://credentials.example.org/ler/degree"
AUD = "https://verifier.example.org"
NONCE = "n-0S6_WzA2Mj"
RESOLVER = MethodResolver()


def _rfc_text(name: str) -> str:
    return "".join((SD_VECTORS / name).read_text("ascii").split())


def _salts(prefix: str = "salt") -> Callable[[], str]:
    counter = iter(range(10_000))
    return lambda: f"{prefix}-{next(counter):04d}"


def _key(key_type: KeyType, label: str) -> PrivateKey:
    return PrivateKey.generate(key_type, (label * 64).encode()[:64])


def _code(excinfo: pytest.ExceptionInfo[LerkitError]) -> ProblemCode:
    return excinfo.value.code


# --------------------------------------------------------------------------- RFC 9901


@pytest.mark.parametrize("case", RFC["section_4_2"], ids=lambda c: c["digest"][:8])
def test_rfc_section_4_2_disclosures(case: dict[str, Any]) -> None:
    disclosure = decode_disclosure(case["disclosure"])
    assert (disclosure.salt, disclosure.name, disclosure.value) == (
        case["salt"],
        case["name"],
        case["value"],
    )
    assert disclosure_digest(case["disclosure"]) == case["digest"]
    assert encode_disclosure(case["salt"], case["name"], case["value"]) == case["disclosure"]


@pytest.mark.parametrize("case", RFC["section_5_1"]["disclosures"], ids=lambda c: c["claim"])
def test_rfc_section_5_1_disclosures_hash_to_the_published_digests(case: dict[str, Any]) -> None:
    payload = RFC["section_5_1"]["payload"]
    published = set(payload["_sd"]) | {e["..."] for e in payload["nationalities"]}
    disclosure = decode_disclosure(case["disclosure"])
    assert disclosure.salt == case["salt"]
    assert disclosure_digest(case["disclosure"]) == case["digest"]
    assert case["digest"] in published
    # and our serialization of the same salt, name and value is the published text
    assert (
        encode_disclosure(disclosure.salt, disclosure.name, disclosure.value) == case["disclosure"]
    )


def test_the_issuer_reproduces_rfc_section_5_1() -> None:
    section = RFC["section_5_1"]
    salts = iter(d["salt"] for d in section["disclosures"])
    claims = section["input_claims"]
    token = issue_sd_jwt_vc(
        claims,
        vct=VCT,
        issuer="https://issuer.example.com",
        key=_key(KeyType.P256, "i"),
        kid="did:example:issuer#key-1",
        disclosable=section["disclosable"],
        salt=lambda: next(salts),
        holder_jwk=section["payload"]["cnf"]["jwk"],
        iat=datetime.fromtimestamp(1683000000, UTC),
        exp=datetime.fromtimestamp(1883000000, UTC),
    )
    jwt, *disclosures, last = token.split("~")
    assert last == ""
    assert disclosures == [d["disclosure"] for d in section["disclosures"]]
    _, payload = decode_unverified(jwt)
    published = section["payload"]
    for name in ("_sd", "nationalities", "iss", "iat", "exp", "sub", "_sd_alg", "cnf"):
        assert payload[name] == published[name], name
    assert payload["vct"] == VCT
    assert set(payload) - set(published) == {"vct"}


def test_rfc_section_5_1_sd_jwt_verifies_with_the_published_key() -> None:
    result = verify_sd_jwt(
        _rfc_text("rfc9901-5.1-sd-jwt.txt"),
        RFC["issuer_public_jwk"],
        now=datetime(2025, 6, 1, tzinfo=UTC),
        require_key_binding=False,
    )
    expected = {k: v for k, v in RFC["section_5_1"]["input_claims"].items()}
    assert {k: v for k, v in result.claims.items() if k in expected} == expected
    assert result.issuer == "https://issuer.example.com"
    assert result.header == {"alg": "ES256", "typ": "example+sd-jwt"}
    assert len(result.disclosed_paths) == 10
    assert not result.key_binding
    assert result.time_findings == ()


def test_rfc_section_5_2_presentation_verifies_with_key_binding() -> None:
    section = RFC["section_5_2"]
    result = verify_sd_jwt(
        _rfc_text(section["presentation_file"]),
        RFC["issuer_public_jwk"],
        now=RFC_KB_IAT + timedelta(seconds=30),
        expected_aud="https://verifier.example.org",
        expected_nonce="1234567890",
        require_key_binding=True,
    )
    assert result.claims == section["processed_payload"]
    assert result.kb_payload == section["kb_payload"]
    assert result.key_binding
    assert sorted(result.disclosed_paths) == [
        "/address",
        "/family_name",
        "/given_name",
        "/nationalities/0",
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"expected_nonce": "0987654321"}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"expected_aud": "https://other.example.org"}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"now": RFC_KB_IAT + timedelta(hours=1)}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"now": RFC_KB_IAT - timedelta(hours=1)}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
    ],
    ids=["nonce", "aud", "stale", "future"],
)
def test_rfc_section_5_2_refused_for_another_transaction(
    change: dict[str, Any], code: ProblemCode
) -> None:
    kwargs: dict[str, Any] = {
        "now": RFC_KB_IAT,
        "expected_aud": "https://verifier.example.org",
        "expected_nonce": "1234567890",
        "require_key_binding": True,
        **change,
    }
    with pytest.raises(CryptoError) as excinfo:
        verify_sd_jwt(
            _rfc_text(RFC["section_5_2"]["presentation_file"]), RFC["issuer_public_jwk"], **kwargs
        )
    assert excinfo.value.code == code


def test_lerkit_holder_presents_the_rfc_credential() -> None:
    holder = PrivateKey.from_jwk(RFC_HOLDER_JWK)  # the A.5 key matches the §5.1 cnf
    presentation = present(
        _rfc_text("rfc9901-5.1-sd-jwt.txt"),
        disclose=["given_name", "family_name", "/address", "/nationalities/0"],
        key=holder,
        aud="https://verifier.example.org",
        nonce="1234567890",
        iat=RFC_KB_IAT,
    )
    result = verify_sd_jwt(
        presentation,
        RFC["issuer_public_jwk"],
        now=RFC_KB_IAT,
        expected_aud="https://verifier.example.org",
        expected_nonce="1234567890",
        require_key_binding=True,
    )
    assert result.claims == RFC["section_5_2"]["processed_payload"]


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Party:
    key: PrivateKey
    did: str
    kid: str


def _issuer(key_type: KeyType) -> Party:
    key = _key(key_type, f"issuer-{key_type}")
    return Party(key, did_key(key.public_key), verification_method_id(key.public_key))


def _holder(key_type: KeyType) -> Party:
    key = _key(key_type, f"holder-{key_type}")
    did = did_jwk(key.public_key)
    return Party(key, did, did + "#0")


CLAIMS: JsonObject = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "email": "ada@example.org",
    "address": {"street_address": "12 Analytical Row", "locality": "London", "country": "GB"},
    "achievements": [
        {"name": "Python Programming", "level": "advanced"},
        {"name": "Data Analysis Fundamentals"},
    ],
    "degrees": ["BSc Mathematics", "MSc Computing"],
}
DISCLOSABLE = [
    "given_name",
    "family_name",
    "/email",
    "/address",
    "/address/street_address",
    "/address/locality",
    "/achievements/0",
    "/achievements/0/level",
    "/achievements/1",
    "/degrees/0",
    "/degrees/1",
]
KEY_PAIRS = [
    pytest.param(KeyType.ED25519, KeyType.ED25519, id="ed25519-issuer-ed25519-holder"),
    pytest.param(KeyType.P256, KeyType.P256, id="p256-issuer-p256-holder"),
    pytest.param(KeyType.ED25519, KeyType.P256, id="ed25519-issuer-p256-holder"),
    pytest.param(KeyType.P256, KeyType.ED25519, id="p256-issuer-ed25519-holder"),
]


def _issue(
    issuer: Party,
    holder: Party | None,
    *,
    claims: JsonObject | None = None,
    disclosable: list[str] | None = None,
    **kwargs: Any,
) -> str:
    body = dict(CLAIMS if claims is None else claims)
    if holder is not None:
        body.setdefault("sub", holder.did)
    return issue_sd_jwt_vc(
        body,
        vct=VCT,
        issuer=issuer.did,
        key=issuer.key,
        kid=issuer.kid,
        disclosable=DISCLOSABLE if disclosable is None else disclosable,
        salt=_salts(),
        holder_jwk=None if holder is None else holder.key.public_key.jwk,
        iat=ISSUED,
        **kwargs,
    )


def _present(credential: str, holder: Party | None, disclose: list[str], **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "key": None if holder is None else holder.key,
        "aud": AUD if holder else None,
        "nonce": NONCE if holder else None,
        "iat": NOW,
    }
    options.update(kwargs)
    return present(credential, disclose=disclose, **options)


def _verify(presentation: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "now": NOW,
        "expected_aud": AUD,
        "expected_nonce": NONCE,
        "require_key_binding": True,
    }
    options.update(kwargs)
    return verify_sd_jwt_vc(presentation, RESOLVER, **options)


def _resign(credential: str, issuer: Party, change: Callable[[JsonObject], None]) -> str:
    """The credential with its payload changed and signed again by the same issuer."""
    jwt, _, rest = credential.partition("~")
    header, payload = decode_unverified(jwt)
    change(payload)
    return sign_jwt(payload, issuer.key, issuer.kid, header["typ"]) + "~" + rest


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(("issuer_type", "holder_type"), KEY_PAIRS)
def test_round_trip_everything_disclosed(issuer_type: KeyType, holder_type: KeyType) -> None:
    issuer, holder = _issuer(issuer_type), _holder(holder_type)
    credential = _issue(issuer, holder)
    header, payload = decode_unverified(credential.split("~")[0])
    assert header == {"alg": issuer.key.public_key.jws_alg, "kid": issuer.kid, "typ": "dc+sd-jwt"}
    assert payload["_sd_alg"] == "sha-256"
    assert payload["_sd"] == sorted(payload["_sd"])
    assert payload["cnf"] == {"jwk": holder.key.public_key.jwk}
    assert credential.endswith("~")

    result = _verify(_present(credential, holder, ["given_name", "/address", "/achievements"]))
    assert result.issuer == issuer.did
    assert result.vct == VCT
    assert result.key_binding
    assert result.verification_method.id == issuer.kid
    assert result.header["typ"] == SD_JWT_VC_TYP
    assert result.claims["address"] == CLAIMS["address"]
    assert result.claims["achievements"] == CLAIMS["achievements"]
    assert result.claims["given_name"] == "Ada"
    assert "family_name" not in result.claims
    assert "email" not in result.claims
    assert result.claims["degrees"] == []
    assert result.claims["sub"] == holder.did
    assert set(result.disclosed_paths) == {
        "/given_name",
        "/address",
        "/address/street_address",
        "/address/locality",
        "/achievements/0",
        "/achievements/0/level",
        "/achievements/1",
    }


def test_nested_claim_brings_its_parent_and_not_its_siblings() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    result = _verify(_present(_issue(issuer, holder), holder, ["/address/locality"]))
    assert result.claims["address"] == {"locality": "London", "country": "GB"}
    assert set(result.disclosed_paths) == {"/address", "/address/locality"}


def test_array_elements_are_disclosed_one_by_one() -> None:
    issuer, holder = _issuer(KeyType.P256), _holder(KeyType.P256)
    credential = _issue(issuer, holder)
    result = _verify(_present(credential, holder, ["/degrees/1", "/achievements/1"]))
    assert result.claims["degrees"] == ["MSc Computing"]
    assert result.claims["achievements"] == [{"name": "Data Analysis Fundamentals"}]
    assert set(result.disclosed_paths) == {"/degrees/1", "/achievements/1"}
    # an element's own disclosable member comes only when asked for
    result = _verify(_present(credential, holder, ["/achievements/0/name"]))
    assert result.claims["achievements"] == [{"name": "Python Programming"}]


def test_nothing_disclosed_still_verifies() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    result = _verify(_present(_issue(issuer, holder), holder, []))
    assert result.disclosed_paths == ()
    assert "address" not in result.claims
    assert result.claims["degrees"] == []


def test_without_cnf_there_is_no_key_binding() -> None:
    issuer = _issuer(KeyType.ED25519)
    credential = _issue(issuer, None)
    presentation = _present(credential, None, ["/email"])
    assert presentation.endswith("~")
    result = _verify(presentation, require_key_binding=False)
    assert not result.key_binding
    assert result.claims["email"] == "ada@example.org"
    with pytest.raises(InputError) as excinfo:
        _verify(presentation, require_key_binding=True)
    assert excinfo.value.code == ProblemCode.SDJWT_KEY_BINDING_MISSING
    with pytest.raises(InputError) as excinfo:
        _present(
            credential, None, ["/email"], key=_holder(KeyType.ED25519).key, aud=AUD, nonce=NONCE
        )
    assert excinfo.value.code == ProblemCode.SDJWT_KEY_BINDING_MISSING


def test_issued_credential_itself_verifies_without_key_binding() -> None:
    issuer, holder = _issuer(KeyType.P256), _holder(KeyType.ED25519)
    result = _verify(_issue(issuer, holder), require_key_binding=False)
    assert not result.key_binding
    assert len(result.disclosed_paths) == len(DISCLOSABLE)


def test_legacy_typ_is_accepted_and_others_refused() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    credential = _issue(issuer, holder)
    jwt, _, rest = credential.partition("~")
    _, payload = decode_unverified(jwt)
    legacy = sign_jwt(payload, issuer.key, issuer.kid, "vc+sd-jwt") + "~" + rest
    assert _verify(legacy, require_key_binding=False).header["typ"] == "vc+sd-jwt"
    other = sign_jwt(payload, issuer.key, issuer.kid, "JWT") + "~" + rest
    with pytest.raises(InputError) as excinfo:
        _verify(other, require_key_binding=False)
    assert excinfo.value.code == ProblemCode.JWT_TYPE_MISMATCH


def test_decoys_are_indistinguishable_and_harmless() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    credential = _issue(issuer, holder, disclosable=["given_name"], decoys=4)
    _, payload = decode_unverified(credential.split("~")[0])
    assert len(payload["_sd"]) == 5
    assert payload["_sd"] == sorted(payload["_sd"])
    result = _verify(_present(credential, holder, ["given_name"]))
    assert result.claims["given_name"] == "Ada"


def test_validity_is_reported_not_raised() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    credential = _issue(issuer, holder, exp=NOW - timedelta(days=1), nbf=ISSUED)
    result = _verify(_present(credential, holder, ["given_name"]))
    assert result.expires == NOW - timedelta(days=1)
    assert result.not_before == ISSUED
    assert result.issued_at == ISSUED
    assert result.time_findings == (ProblemCode.VALIDITY_EXPIRED,)


def test_status_and_times_are_always_visible() -> None:
    issuer = _issuer(KeyType.ED25519)
    status = {"status_list": {"idx": 7, "uri": "https://issuer.example.org/statuslists/1"}}
    credential = _issue(issuer, None, status=status, exp=NOW + timedelta(days=30))
    _, payload = decode_unverified(credential.split("~")[0])
    assert payload["status"] == status
    assert payload["vct"] == VCT
    assert payload["iss"] == issuer.did
    result = _verify(_present(credential, None, []), require_key_binding=False)
    assert result.claims["status"] == status


def test_decode_sd_jwt_lists_the_disclosures_with_their_paths() -> None:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    decoded = decode_sd_jwt(_issue(issuer, holder))
    assert {path for path, _ in decoded.disclosures} == {
        pointer(parse_path(p)) for p in DISCLOSABLE
    }
    assert decoded.claims["degrees"] == CLAIMS["degrees"]
    assert decoded.key_binding_jwt is None


def test_paths() -> None:
    assert parse_path("/a~1b/c~0d/0") == ("a/b", "c~d", "0")
    assert parse_path("name") == ("name",)
    assert pointer(("a/b", "c~d", "0")) == "/a~1b/c~0d/0"
    for bad in ("", "/", "/a~2"):
        with pytest.raises(InputError):
            parse_path(bad)


# --------------------------------------------------------------------------- issuer input


@pytest.mark.parametrize("name", ["iss", "vct", "cnf", "status", "exp", "nbf"])
def test_reserved_claims_are_never_disclosable(name: str) -> None:
    with pytest.raises(InputError) as excinfo:
        _issue(_issuer(KeyType.ED25519), None, disclosable=[name])
    assert excinfo.value.code == ProblemCode.SDJWT_RESERVED_CLAIM


@pytest.mark.parametrize(
    ("claims", "disclosable", "code"),
    [
        ({**CLAIMS, "iss": "x"}, [], ProblemCode.CREDENTIAL_MALFORMED),
        ({**CLAIMS, "_sd": []}, [], ProblemCode.SDJWT_RESERVED_CLAIM),
        ({"a": {"...": 1}}, [], ProblemCode.SDJWT_RESERVED_CLAIM),
        (CLAIMS, ["/nope"], ProblemCode.INPUT_MALFORMED),
        (CLAIMS, ["/degrees/7"], ProblemCode.INPUT_MALFORMED),
    ],
    ids=["argument-claim", "_sd", "ellipsis", "unknown-path", "unknown-index"],
)
def test_issuer_refuses_bad_input(
    claims: JsonObject, disclosable: list[str], code: ProblemCode
) -> None:
    with pytest.raises(InputError) as excinfo:
        _issue(_issuer(KeyType.ED25519), None, claims=claims, disclosable=disclosable)
    assert excinfo.value.code == code


# --------------------------------------------------------------------------- key resolution


def test_no_kid_uses_the_single_key_of_a_did_issuer() -> None:
    issuer, holder = _issuer(KeyType.P256), _holder(KeyType.P256)
    credential = _issue(issuer, holder)
    jwt, _, rest = credential.partition("~")
    _, payload = decode_unverified(jwt)
    header = {"alg": "ES256", "typ": "dc+sd-jwt"}
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    no_kid = signing_input + "." + b64url_encode(issuer.key.sign(signing_input.encode()))
    result = _verify(no_kid + "~" + rest, require_key_binding=False)
    assert result.verification_method.id == issuer.kid


@pytest.mark.parametrize("header_extra", [{"jwk": {"kty": "EC"}}, {"x5c": ["MIIB..."]}])
def test_jwk_and_x5c_issuer_keys_are_not_supported(header_extra: JsonObject) -> None:
    issuer = _issuer(KeyType.ED25519)
    payload = {"iss": "https://issuer.example.org", "vct": VCT, "_sd_alg": "sha-256"}
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", **header_extra}
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    token = signing_input + "." + b64url_encode(issuer.key.sign(signing_input.encode())) + "~"
    with pytest.raises(ResolutionError) as excinfo:
        _verify(token, require_key_binding=False)
    assert excinfo.value.code == ProblemCode.JWT_KEY_UNRESOLVABLE
    assert "not support" in str(excinfo.value)


def test_https_issuer_without_kid_is_not_supported() -> None:
    issuer = _issuer(KeyType.ED25519)
    payload = {"iss": "https://issuer.example.org", "vct": VCT}
    token = sign_jwt(payload, issuer.key, issuer.kid, "dc+sd-jwt")
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt"}
    signing_input = b64url_encode(json.dumps(header).encode()) + "." + token.split(".")[1]
    token = signing_input + "." + b64url_encode(issuer.key.sign(signing_input.encode()))
    with pytest.raises(ResolutionError) as excinfo:
        _verify(token + "~", require_key_binding=False)
    assert excinfo.value.code == ProblemCode.JWT_KEY_UNRESOLVABLE


def test_kid_of_another_did_than_iss_is_refused() -> None:
    issuer, other = _issuer(KeyType.ED25519), _issuer(KeyType.P256)
    credential = _issue(issuer, None)
    forged = _resign(credential, other, lambda p: None)
    with pytest.raises(CryptoError) as excinfo:
        _verify(forged, require_key_binding=False)
    assert excinfo.value.code == ProblemCode.ISSUER_MISMATCH


# --------------------------------------------------------------------------- tampering


@pytest.fixture(scope="module")
def parties() -> tuple[Party, Party]:
    return _issuer(KeyType.P256), _holder(KeyType.ED25519)


@pytest.fixture(scope="module")
def credential(parties: tuple[Party, Party]) -> str:
    return _issue(*parties)


def _expect(presentation: str, code: ProblemCode, **kwargs: Any) -> None:
    with pytest.raises(LerkitError) as excinfo:
        _verify(presentation, **kwargs)
    assert excinfo.value.code == code, str(excinfo.value)


def test_a_modified_disclosure_fails(credential: str, parties: tuple[Party, Party]) -> None:
    jwt, original, *_ = credential.split("~")
    assert decode_disclosure(original).name == "given_name"
    forged = encode_disclosure(decode_disclosure(original).salt, "given_name", "Grace")
    _expect(f"{jwt}~{forged}~", ProblemCode.SDJWT_DIGEST_MISMATCH, require_key_binding=False)


def test_a_disclosure_of_another_credential_fails(parties: tuple[Party, Party]) -> None:
    issuer, holder = parties
    one = _issue(issuer, holder, disclosable=["given_name"])
    two = issue_sd_jwt_vc(
        {"given_name": "Grace"},
        vct=VCT,
        issuer=issuer.did,
        key=issuer.key,
        kid=issuer.kid,
        disclosable=["given_name"],
        salt=_salts("other"),
    )
    _expect(
        one.split("~")[0] + "~" + two.split("~")[1] + "~",
        ProblemCode.SDJWT_DIGEST_MISMATCH,
        require_key_binding=False,
    )


def test_a_dropped_digest_fails(credential: str, parties: tuple[Party, Party]) -> None:
    issuer, _ = parties
    first = decode_disclosure(credential.split("~")[1])
    assert first.name == "given_name"
    digest = disclosure_digest(credential.split("~")[1])

    def drop(payload: JsonObject) -> None:
        payload["_sd"].remove(digest)

    _expect(
        _resign(credential, issuer, drop),
        ProblemCode.SDJWT_DIGEST_MISMATCH,
        require_key_binding=False,
    )
    # and without re-signing, the signature no longer holds
    jwt, _, rest = credential.partition("~")
    _header, payload = decode_unverified(jwt)
    drop(payload)
    unsigned = ".".join(
        [jwt.split(".")[0], b64url_encode(json.dumps(payload).encode()), jwt.split(".")[2]]
    )
    _expect(unsigned + "~" + rest, ProblemCode.JWT_INVALID_SIGNATURE, require_key_binding=False)


def test_a_duplicate_digest_fails(credential: str, parties: tuple[Party, Party]) -> None:
    issuer, _ = parties

    def duplicate(payload: JsonObject) -> None:
        payload["_sd"].append(payload["_sd"][0])

    _expect(
        _resign(credential, issuer, duplicate),
        ProblemCode.SDJWT_DIGEST_MISMATCH,
        require_key_binding=False,
    )


def test_a_reused_disclosure_fails(credential: str, parties: tuple[Party, Party]) -> None:
    jwt, first, *_ = credential.split("~")
    _expect(f"{jwt}~{first}~{first}~", ProblemCode.SDJWT_DIGEST_MISMATCH, require_key_binding=False)


def test_a_disclosed_reserved_claim_fails(parties: tuple[Party, Party]) -> None:
    issuer, _ = parties
    disclosure = encode_disclosure("s-1", "vct", "https://evil.example/type")

    def add(payload: JsonObject) -> None:
        payload.pop("vct")
        payload["_sd"] = [disclosure_digest(disclosure)]

    token = _resign(_issue(issuer, None, disclosable=[]), issuer, add)
    _expect(f"{token}{disclosure}~", ProblemCode.SDJWT_RESERVED_CLAIM, require_key_binding=False)
    with pytest.raises(InputError) as excinfo:
        decode_disclosure(encode_disclosure("s-2", "_sd", []))
    assert excinfo.value.code == ProblemCode.SDJWT_RESERVED_CLAIM


def test_a_disclosure_of_the_wrong_kind_fails(parties: tuple[Party, Party]) -> None:
    issuer, _ = parties
    element = encode_disclosure("s-1", None, "x")

    def add(payload: JsonObject) -> None:
        payload["_sd"] = [disclosure_digest(element)]

    token = _resign(_issue(issuer, None, disclosable=[]), issuer, add)
    _expect(f"{token}{element}~", ProblemCode.SDJWT_MALFORMED, require_key_binding=False)


def test_a_disclosure_colliding_with_a_plain_claim_fails(parties: tuple[Party, Party]) -> None:
    issuer, _ = parties
    clash = encode_disclosure("s-1", "given_name", "Grace")

    def add(payload: JsonObject) -> None:
        payload["_sd"] = [disclosure_digest(clash)]

    token = _resign(_issue(issuer, None, disclosable=[]), issuer, add)
    _expect(f"{token}{clash}~", ProblemCode.SDJWT_MALFORMED, require_key_binding=False)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"expected_nonce": "another-nonce"}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"expected_aud": "https://elsewhere.example"}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"now": NOW + timedelta(hours=1)}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
        ({"now": NOW - timedelta(hours=1)}, ProblemCode.SDJWT_KEY_BINDING_INVALID),
    ],
    ids=["nonce", "aud", "stale", "future"],
)
def test_key_binding_for_another_transaction_fails(
    credential: str, parties: tuple[Party, Party], change: dict[str, Any], code: ProblemCode
) -> None:
    _, holder = parties
    _expect(_present(credential, holder, ["given_name"]), code, **change)


def test_a_wrong_sd_hash_fails(credential: str, parties: tuple[Party, Party]) -> None:
    _, holder = parties
    presentation = _present(credential, holder, ["given_name", "family_name"])
    jwt, given, _family, kb = presentation.split("~")
    # drop a disclosure after the KB-JWT was made: sd_hash no longer covers what is shown
    _expect(f"{jwt}~{given}~{kb}", ProblemCode.SDJWT_KEY_BINDING_INVALID)


def test_a_key_binding_signed_by_another_key_fails(
    credential: str, parties: tuple[Party, Party]
) -> None:
    _, holder = parties
    good = _present(credential, holder, ["given_name"])
    sd_jwt, _, kb = good.rpartition("~")
    _header, payload = decode_unverified(kb)
    thief = _holder(KeyType.P256).key
    signing_input = (
        b64url_encode(json.dumps({"alg": "ES256", "typ": "kb+jwt"}).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    forged = signing_input + "." + b64url_encode(thief.sign(signing_input.encode()))
    _expect(sd_jwt + "~" + forged, ProblemCode.SDJWT_KEY_BINDING_INVALID)
    # and the holder side refuses to sign with a key that is not the cnf key
    with pytest.raises(SigningError):
        _present(credential, holder, ["given_name"], key=thief)


def test_a_key_binding_with_the_wrong_typ_fails(
    credential: str, parties: tuple[Party, Party]
) -> None:
    _, holder = parties
    good = _present(credential, holder, ["given_name"])
    sd_jwt, _, kb = good.rpartition("~")
    _, payload = decode_unverified(kb)
    signing_input = (
        b64url_encode(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    forged = signing_input + "." + b64url_encode(holder.key.sign(signing_input.encode()))
    _expect(sd_jwt + "~" + forged, ProblemCode.SDJWT_KEY_BINDING_INVALID)


def test_a_tampered_issuer_signature_fails(credential: str) -> None:
    jwt, _, rest = credential.partition("~")
    head, body, signature = jwt.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    _expect(
        f"{head}.{body}.{flipped}~{rest}",
        ProblemCode.JWT_INVALID_SIGNATURE,
        require_key_binding=False,
    )


@pytest.mark.parametrize(
    "text",
    [
        "no-tilde-at-all",
        "a.b.c~~",
        "a.b.c~%%%~",
        "a.b.c~WyJhIiwgImIiLCAiYyIsICJkIl0~",
        "a.b.c~x~notakb",
    ],
    ids=["no-tilde", "empty-disclosure", "not-base64url", "four-elements", "bad-kb"],
)
def test_malformed_serializations(text: str, credential: str) -> None:
    jwt = credential.split("~")[0]
    with pytest.raises(InputError) as excinfo:
        _verify(text.replace("a.b.c", jwt), require_key_binding=False)
    assert excinfo.value.code in (ProblemCode.SDJWT_MALFORMED, ProblemCode.JWT_MALFORMED)


def test_holder_input_errors(credential: str, parties: tuple[Party, Party]) -> None:
    _, holder = parties
    with pytest.raises(InputError):
        _present(credential, holder, ["/nope"])
    with pytest.raises(InputError) as excinfo:
        _present(credential, holder, ["given_name"], key=None)
    assert excinfo.value.code == ProblemCode.SDJWT_KEY_BINDING_MISSING
    with pytest.raises(InputError):
        _present(credential, holder, ["given_name"], nonce=None)
    with pytest.raises(InputError):
        _present(_present(credential, holder, ["given_name"]), holder, ["given_name"])


# --------------------------------------------------------------------------- properties

LEAVES = [
    "/given_name",
    "/family_name",
    "/email",
    "/address/street_address",
    "/address/locality",
    "/degrees/0",
    "/degrees/1",
]
FLAT_CLAIMS: JsonObject = {k: v for k, v in CLAIMS.items() if k != "achievements"}


@pytest.fixture(scope="module")
def flat() -> tuple[Party, Party, str]:
    issuer, holder = _issuer(KeyType.ED25519), _holder(KeyType.ED25519)
    return issuer, holder, _issue(issuer, holder, claims=FLAT_CLAIMS, disclosable=LEAVES)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subset=st.sets(st.sampled_from(LEAVES)))
def test_any_subset_verifies_and_shows_exactly_that_subset(
    flat: tuple[Party, Party, str], subset: set[str]
) -> None:
    _, holder, credential = flat
    result = _verify(_present(credential, holder, sorted(subset)))
    assert set(result.disclosed_paths) == subset
    claims = result.claims
    for path in LEAVES:
        top, *rest = parse_path(path)
        if top == "degrees":
            shown = FLAT_CLAIMS["degrees"][int(rest[0])] in claims["degrees"]
        elif rest:
            shown = rest[0] in claims["address"]
        else:
            shown = top in claims
        assert shown == (path in subset), path
