"""VC-JOSE (application/vc+jwt, vp+jwt): sign, verify, envelopes, and 1EdTech JWT fixtures.

Findings about the 1EdTech validator JWT fixtures (tests/fixtures/1edtech-validator, from
1EdTech/digital-credentials-public-validator; decoded header and payload by hand):

* ``ob30/simple.jwt`` — header ``{"alg":"RS256","typ":"JWT"}``: no ``kid`` and no ``jwk``.
  Payload is a VCDM 1.1 ``vc`` claim (OpenBadgeCredential, issuer
  ``https://example.edu/issuers/565049``) with ``iss``/``nbf``/``jti``/``sub`` that agree
  with it. The only place a key could come from is the issuer profile URL, which is not
  available offline: the result is "could not check" (ResolutionError ``did.unresolvable``
  naming ``--resource``/``--allow-network``), never "invalid".
* ``clr20/simple.jwt`` — header ``RS256`` with an embedded 2048-bit RSA ``jwk``; VCDM 1.1
  ``vc`` ClrCredential whose ``credentialSubject.verifiableCredential`` holds one more
  RS256 JWT (an AchievementCredential) signed with the same embedded key. Both signatures
  verify. The key is not bound to the issuer (``https://example.edu/issuers/565049``) —
  ``verification_method`` is None, so the pipeline must not report the issuer as proven.
* ``ob30/velocity.jwt`` — header ``RS256`` with ``kid`` =
  ``did:velocity:v2:0x4ade…#key-1`` (Velocity Network's blockchain DID method). VCDM 1.1
  ``vc`` claim; ``iss`` is a did:web on ``registrar:3000`` (a test host), so the kid's DID
  is not even the issuer; ``sub`` is a did:jwk of a secp256k1 key. The claims agree with the
  credential (``nbf`` = ``issuanceDate`` to the second). did:velocity is not supported:
  "could not check" with ``did.unsupported_method``.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lerkit.core.dids import MethodResolver, did_jwk, did_key
from lerkit.core.errors import (
    CryptoError,
    InputError,
    LerkitError,
    ProblemCode,
    ResolutionError,
)
from lerkit.core.jose import (
    decode_unverified,
    envelope_credential,
    envelope_presentation,
    secure_credential,
    secure_presentation,
    sign_jwt,
    unenvelope,
    verify_jwt,
)
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.types import JsonObject
from support import FIXTURES

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY_TYPES = [KeyType.ED25519, KeyType.P256, KeyType.P384]
ALGS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.P384: "ES384"}
JWT_FIXTURES = FIXTURES / "1edtech-validator"


def key_of(key_type: KeyType, seed: int = 1) -> PrivateKey:
    return PrivateKey.generate(key_type, bytes([seed]) * 64)


def identity(key: PrivateKey, method: str) -> tuple[str, str]:
    """(DID, verification method id) of a key under did:key or did:jwk."""
    if method == "key":
        did = did_key(key.public_key)
        return did, f"{did}#{did.removeprefix('did:key:')}"
    did = did_jwk(key.public_key)
    return did, f"{did}#0"


def credential(issuer: str) -> JsonObject:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:2f1c7e3a-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Alice"},
    }


def presentation(holder: str, vcs: list[Any]) -> JsonObject:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": vcs,
    }


def b64(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def resign(
    token: str, key: PrivateKey, header: JsonObject | None = None, payload: JsonObject | None = None
) -> str:
    h, p = decode_unverified(token)
    signing_input = (
        b64(header if header is not None else h) + "." + b64(payload if payload is not None else p)
    )
    sig = key.sign(signing_input.encode())
    return signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


RESOLVER = MethodResolver()

# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("method", ["key", "jwk"])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_credential_round_trip(key_type: KeyType, method: str) -> None:
    key = key_of(key_type)
    did, vm_id = identity(key, method)
    vc = credential(did)
    token = secure_credential(vc, key, vm_id)
    header, payload = decode_unverified(token)
    assert header == {"alg": ALGS[key_type], "kid": vm_id, "typ": "vc+jwt", "cty": "vc"}
    assert payload == vc
    # deterministic: the core holds no randomness
    assert secure_credential(vc, key, vm_id) == token
    result = verify_jwt(token, RESOLVER, now=NOW, expected_typ="vc+jwt")
    assert result.kind == "credential"
    assert result.document == vc
    assert result.credential == vc
    assert result.verification_method is not None
    assert result.verification_method.id == vm_id
    assert result.verification_method.controller == did
    assert result.key_source == "kid"
    assert result.public_jwk == key.public_key.jwk
    assert result.time_findings == ()
    assert any("signature verifies" in c for c in result.checks)


@pytest.mark.parametrize("method", ["key", "jwk"])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_presentation_round_trip(key_type: KeyType, method: str) -> None:
    issuer_key, holder_key = key_of(KeyType.ED25519, 2), key_of(key_type, 3)
    issuer, issuer_vm = identity(issuer_key, "key")
    holder, holder_vm = identity(holder_key, method)
    vc_token = secure_credential(credential(issuer), issuer_key, issuer_vm)
    vp = presentation(holder, [envelope_credential(vc_token)])
    token = secure_presentation(
        vp, holder_key, holder_vm, challenge="n-0S6", domain="verifier.example"
    )
    header, payload = decode_unverified(token)
    assert header["typ"] == "vp+jwt"
    assert header["cty"] == "vp"
    assert payload["nonce"] == "n-0S6"
    assert payload["aud"] == "verifier.example"
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.kind == "presentation"
    assert result.document == vp  # nonce/aud stay in the payload only
    assert result.payload["nonce"] == "n-0S6"
    assert result.verification_method is not None
    assert result.verification_method.id == holder_vm
    _media, inner = unenvelope(result.document["verifiableCredential"][0])
    assert verify_jwt(inner, RESOLVER, now=NOW).document == credential(issuer)


def test_relative_kid_resolves_against_issuer() -> None:
    key = key_of(KeyType.P256)
    did = did_jwk(key.public_key)
    token = secure_credential(credential(did), key, "#0")
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.verification_method is not None
    assert result.verification_method.id == did + "#0"


def test_no_kid_uses_the_issuers_single_key() -> None:
    key = key_of(KeyType.ED25519)
    did, _ = identity(key, "key")
    token = sign_jwt(credential(did), key, "unused", "vc+jwt")
    header, _ = decode_unverified(token)
    token = resign(token, key, header={k: v for k, v in header.items() if k != "kid"})
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.key_source == "issuer"


def test_ed25519_alg_name_is_accepted() -> None:
    key = key_of(KeyType.ED25519)
    did, vm = identity(key, "key")
    token = secure_credential(credential(did), key, vm)
    header, _ = decode_unverified(token)
    token = resign(token, key, header={**header, "alg": "Ed25519"})
    assert verify_jwt(token, RESOLVER, now=NOW).header["alg"] == "Ed25519"


def test_exp_nbf_are_reported_not_enforced() -> None:
    key = key_of(KeyType.P256)
    did, vm = identity(key, "jwk")
    vc = credential(did)
    vc["validUntil"] = "2025-06-01T00:00:00Z"
    payload = {**vc, "iss": did, "nbf": 1735689600, "exp": 1748736000, "jti": vc["id"]}
    token = sign_jwt(payload, key, vm, "vc+jwt")
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.document == vc  # JWT claims are not part of the credential
    assert result.not_before == datetime(2025, 1, 1, tzinfo=UTC)
    assert result.expires == datetime(2025, 6, 1, tzinfo=UTC)
    assert result.time_findings == (ProblemCode.VALIDITY_EXPIRED,)


# --------------------------------------------------------------------------- tampering


def signed(key_type: KeyType = KeyType.ED25519) -> tuple[str, PrivateKey, str, str]:
    key = key_of(key_type)
    did, vm = identity(key, "key")
    return secure_credential(credential(did), key, vm), key, did, vm


def expect(code: ProblemCode, cls: type[LerkitError], token: str) -> None:
    with pytest.raises(cls) as info:
        verify_jwt(token, RESOLVER, now=NOW)
    assert info.value.code is code, info.value


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_tampered_payload(key_type: KeyType) -> None:
    token, _key, _did, _vm = signed(key_type)
    h, _p, s = token.split(".")
    _, payload = decode_unverified(token)
    payload["credentialSubject"]["name"] = "Mallory"
    expect(ProblemCode.JWT_INVALID_SIGNATURE, CryptoError, f"{h}.{b64(payload)}.{s}")


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_tampered_signature(key_type: KeyType) -> None:
    token, *_ = signed(key_type)
    h, p, s = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    raw[5] ^= 1
    bad = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    expect(ProblemCode.JWT_INVALID_SIGNATURE, CryptoError, f"{h}.{p}.{bad}")


def test_tampered_header() -> None:
    token, *_ = signed()
    _h, p, s = token.split(".")
    header, _ = decode_unverified(token)
    expect(ProblemCode.JWT_INVALID_SIGNATURE, CryptoError, f"{b64({**header, 'x': 1})}.{p}.{s}")


def test_alg_confusion_refused() -> None:
    token, *_ = signed(KeyType.P256)
    _h, p, s = token.split(".")
    header, _ = decode_unverified(token)
    for alg, code in (
        ("ES384", ProblemCode.JWT_UNSUPPORTED_ALG),
        ("none", ProblemCode.JWT_UNSUPPORTED_ALG),
        ("HS256", ProblemCode.JWT_UNSUPPORTED_ALG),
    ):
        expect(code, InputError, f"{b64({**header, 'alg': alg})}.{p}.{s}")


def test_wrong_kid_other_key() -> None:
    token, key, _did, _vm = signed()
    other = key_of(KeyType.ED25519, 9)
    _other_did, other_vm = identity(other, "key")
    header, _ = decode_unverified(token)
    expect(
        ProblemCode.JWT_INVALID_SIGNATURE,
        CryptoError,
        resign(token, key, header={**header, "kid": other_vm}),
    )


def test_wrong_kid_not_in_document() -> None:
    token, key, did, _vm = signed()
    header, _ = decode_unverified(token)
    expect(
        ProblemCode.VERIFICATION_METHOD_NOT_FOUND,
        ResolutionError,
        resign(token, key, header={**header, "kid": did + "#nope"}),
    )


def test_kid_of_unsupported_method() -> None:
    token, key, *_ = signed()
    header, _ = decode_unverified(token)
    expect(
        ProblemCode.DID_UNSUPPORTED_METHOD,
        ResolutionError,
        resign(token, key, header={**header, "kid": "did:example:123#k"}),
    )


def test_vm_not_authorized() -> None:
    key = key_of(KeyType.ED25519)
    did = "did:web:issuer.example"
    vm = f"{did}#agreement"
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.multikey,
            }
        ],
        "authentication": [vm],
    }
    resolver = MethodResolver(documents={did: doc})
    token = secure_credential(credential(did), key, vm)
    with pytest.raises(ResolutionError) as info:
        verify_jwt(token, resolver, now=NOW)
    assert info.value.code is ProblemCode.VERIFICATION_METHOD_NOT_AUTHORIZED
    # the same key may sign a presentation (authentication)
    vp_token = secure_presentation(presentation(did, []), key, vm)
    assert verify_jwt(vp_token, resolver, now=NOW).kind == "presentation"
    # and did:web is "could not check" when not offline
    with pytest.raises(ResolutionError) as info:
        verify_jwt(vp_token, RESOLVER, now=NOW)
    assert info.value.code is ProblemCode.DID_UNRESOLVABLE


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.e30.c2ln",
        b64({"alg": "EdDSA"}) + ".e30.",
        b64([1]) + ".e30.c2ln",
        "e30.e30.c2ln",
        b64({"alg": "EdDSA"}) + ".bm90IGpzb24.c2ln",
        b64({"alg": "EdDSA"}) + ".e30.c2ln",
    ],
)
def test_malformed(token: str) -> None:
    with pytest.raises(InputError) as info:
        verify_jwt(token, RESOLVER, now=NOW)
    assert info.value.code is ProblemCode.JWT_MALFORMED


def test_typ_mismatch() -> None:
    key = key_of(KeyType.ED25519)
    did, vm = identity(key, "key")
    token = sign_jwt(presentation(did, []), key, vm, "vc+jwt")
    expect(ProblemCode.JWT_TYPE_MISMATCH, InputError, token)
    good, *_ = signed()
    with pytest.raises(InputError) as info:
        verify_jwt(good, RESOLVER, now=NOW, expected_typ="vp+jwt")
    assert info.value.code is ProblemCode.JWT_TYPE_MISMATCH


# --------------------------------------------------------------------------- claims


def test_ob30_style_claims_must_agree() -> None:
    key = key_of(KeyType.P384)
    did, vm = identity(key, "jwk")
    vc = credential(did)
    base = {"iss": did, "jti": vc["id"], "sub": "did:example:subject", "nbf": 1735689600}
    ok = sign_jwt({**vc, **base}, key, vm, "JWT")
    assert verify_jwt(ok, RESOLVER, now=NOW).document == vc
    for claim, value in (
        ("iss", "did:example:other"),
        ("jti", "urn:x"),
        ("sub", "did:example:else"),
        ("nbf", 1735689601),
    ):
        bad = sign_jwt({**vc, **base, claim: value}, key, vm, "JWT")
        expect(ProblemCode.JWT_CLAIMS_MISMATCH, CryptoError, bad)


def test_vcdm11_vc_claim_is_rebuilt() -> None:
    key = key_of(KeyType.ED25519)
    did, vm = identity(key, "key")
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"name": "Alice"},
    }
    payload = {
        "vc": vc,
        "iss": did,
        "jti": "urn:uuid:1",
        "sub": "did:example:alice",
        "nbf": 1262304000,
        "exp": 1893456000,
    }
    result = verify_jwt(sign_jwt(payload, key, vm, "JWT"), RESOLVER, now=NOW)
    assert result.document == {
        **vc,
        "issuer": did,
        "id": "urn:uuid:1",
        "credentialSubject": {"name": "Alice", "id": "did:example:alice"},
        "issuanceDate": "2010-01-01T00:00:00Z",
        "expirationDate": "2030-01-01T00:00:00Z",
    }
    bad = {**payload, "vc": {**vc, "issuer": {"id": "did:example:other"}}}
    expect(ProblemCode.JWT_CLAIMS_MISMATCH, CryptoError, sign_jwt(bad, key, vm, "JWT"))
    bad = {**payload, "vc": {**vc, "issuanceDate": "2011-01-01T00:00:00Z"}}
    expect(ProblemCode.JWT_CLAIMS_MISMATCH, CryptoError, sign_jwt(bad, key, vm, "JWT"))


def test_vcdm11_vp_claim() -> None:
    key = key_of(KeyType.P256)
    did, vm = identity(key, "key")
    vp = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [],
    }
    token = sign_jwt({"vp": vp, "iss": did, "nonce": "abc", "aud": "x"}, key, vm, "JWT")
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.kind == "presentation"
    assert result.document["holder"] == did
    assert result.payload["nonce"] == "abc"


# --------------------------------------------------------------------------- envelopes


def test_envelope_round_trip() -> None:
    token, *_ = signed()
    env = envelope_credential(token)
    assert env == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }
    assert unenvelope(env) == ("application/vc+jwt", token)
    penv = envelope_presentation(token)
    assert penv["id"].startswith("data:application/vp+jwt,")
    assert penv["type"] == "EnvelopedVerifiablePresentation"
    assert unenvelope(penv) == ("application/vp+jwt", token)
    b64env = {
        **env,
        "id": "data:application/vc+jwt;base64," + base64.b64encode(token.encode()).decode(),
    }
    assert unenvelope(b64env) == ("application/vc+jwt", token)


@pytest.mark.parametrize(
    "obj",
    [
        "data:application/vc+jwt,a.b.c",
        {"type": "VerifiableCredential", "id": "data:application/vc+jwt,a.b.c"},
        {"type": "EnvelopedVerifiableCredential", "id": "https://example.com/vc"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vp+jwt,a.b.c"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+sd-jwt,a.b~"},
        {"type": "EnvelopedVerifiablePresentation", "id": "data:application/vc+jwt,a.b.c"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,notajws"},
        {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt;base64,@@"},
    ],
)
def test_unenvelope_errors(obj: Any) -> None:
    with pytest.raises(InputError) as info:
        unenvelope(obj)
    assert info.value.code is ProblemCode.ENVELOPE_MALFORMED


# --------------------------------------------------------------------------- 1EdTech fixtures


def fixture_token(name: str) -> str:
    return (JWT_FIXTURES / name).read_text("utf-8").strip()


def test_1edtech_ob30_simple_jwt_could_not_check() -> None:
    token = fixture_token("ob30/simple.jwt")
    header, payload = decode_unverified(token)
    assert header == {"alg": "RS256", "typ": "JWT"}
    assert payload["iss"] == payload["vc"]["issuer"]["id"] == "https://example.edu/issuers/565049"
    with pytest.raises(ResolutionError) as info:
        verify_jwt(token, RESOLVER, now=NOW)
    assert info.value.code is ProblemCode.DID_UNRESOLVABLE
    assert "--resource https://example.edu/issuers/565049=FILE" in str(info.value)


def test_1edtech_clr20_simple_jwt_verifies_with_embedded_jwk() -> None:
    token = fixture_token("clr20/simple.jwt")
    result = verify_jwt(token, RESOLVER, now=NOW)
    assert result.header["alg"] == "RS256"
    assert result.key_source == "jwk"
    assert result.verification_method is None  # not bound to the issuer
    assert result.public_jwk["kty"] == "RSA"
    clr = result.document
    assert "ClrCredential" in clr["type"]
    assert clr["issuer"]["id"] == "https://example.edu/issuers/565049"
    assert clr["issuanceDate"] == "2010-01-01T00:00:00Z"
    (inner,) = clr["credentialSubject"]["verifiableCredential"]
    nested = verify_jwt(inner, RESOLVER, now=NOW)
    assert "AchievementCredential" in nested.document["type"]
    assert nested.public_jwk == result.public_jwk
    # and a tampered copy is invalid, not "could not check"
    h, _p, s = token.split(".")
    _, payload = decode_unverified(token)
    payload["vc"]["name"] = "Forged Transcript"
    expect(ProblemCode.JWT_INVALID_SIGNATURE, CryptoError, f"{h}.{b64(payload)}.{s}")


def test_1edtech_velocity_jwt_unsupported_did_method() -> None:
    token = fixture_token("ob30/velocity.jwt")
    header, payload = decode_unverified(token)
    assert header["kid"].startswith("did:velocity:v2:")
    assert payload["iss"].startswith("did:web:registrar%3A3000:")
    with pytest.raises(ResolutionError) as info:
        verify_jwt(token, RESOLVER, now=NOW)
    assert info.value.code is ProblemCode.DID_UNSUPPORTED_METHOD
