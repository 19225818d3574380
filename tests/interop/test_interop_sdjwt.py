"""SD-JWT VC both ways with an independent implementation: the OpenWallet Foundation's
sd-jwt-js (``@sd-jwt/sd-jwt-vc``, pinned in package.json) driven by ``sdjwt.mjs``.

* lerkit issues (did:key issuers, Ed25519 and P-256) and presents (did:jwk holders, with
  and without key binding); sd-jwt-js verifies — issuer signature with the issuer's JWK,
  digests, KB-JWT signature by ``cnf.jwk``, nonce, ``sd_hash`` (and ``aud``, checked by
  the script) — and sees exactly the disclosed claims.
* sd-jwt-js issues (``iss``/``kid`` a did:jwk, so lerkit's resolver finds the key) and
  presents with its own KB-JWT; lerkit verifies both, and presents the JS credential in
  turn for sd-jwt-js to verify.
* Changed disclosures and KB-JWTs for another transaction fail on both sides — except
  that sd-jwt-js 0.19.0, without a KB-JWT, drops a Disclosure that matches no digest
  instead of rejecting the presentation (RFC 9901 §7.1 step 5); lerkit rejects it
  (``sdjwt.digest_mismatch``). With key binding, ``sd_hash`` catches it on both sides.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest

from interop.node import INTEROP_DIR, NODE_MODULES, node_available, node_executable
from lerkit.core.dids import MethodResolver, did_jwk, did_key
from lerkit.core.dids.key import verification_method_id
from lerkit.core.errors import LerkitError, ProblemCode
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.sdjwt import (
    decode_disclosure,
    encode_disclosure,
    issue_sd_jwt_vc,
    present,
    verify_sd_jwt_vc,
)
from lerkit.core.types import JsonObject
from support import require

pytestmark = pytest.mark.interop

SCRIPT = INTEROP_DIR / "sdjwt.mjs"
ISSUED = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)
VCT = "https://credentials.example.org/ler/degree"
AUD = "https://verifier.example.org"
NONCE = "kb-nonce-5d1c"
CLAIMS: JsonObject = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "address": {"locality": "London", "country": "GB"},
    "degrees": ["BSc Mathematics", "MSc Computing"],
}
DISCLOSABLE = ["given_name", "family_name", "/address/locality", "/degrees/0", "/degrees/1"]
KEY_TYPES = [
    pytest.param(KeyType.ED25519, id="ed25519"),
    pytest.param(KeyType.P256, id="p256"),
]


def _available() -> bool:
    return node_available() and (NODE_MODULES / "@sd-jwt" / "sd-jwt-vc" / "package.json").is_file()


@pytest.fixture(autouse=True)
def _node() -> None:
    require(_available(), "Node with tests/interop/node_modules (@sd-jwt/sd-jwt-vc)")


def sdjwt_js(command: str, stdin: dict[str, Any]) -> dict[str, Any]:
    node = node_executable()
    assert node is not None
    proc = subprocess.run(
        [node, str(SCRIPT), command],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=INTEROP_DIR,
    )
    assert proc.returncode == 0, f"sdjwt.mjs {command}: {proc.stdout}\n{proc.stderr}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _key(key_type: KeyType, label: str) -> PrivateKey:
    return PrivateKey.generate(key_type, f"sdjwt-interop-{label}-{key_type}".encode() * 4)


def _salts() -> Any:
    counter = iter(range(1000))
    return lambda: f"interop-salt-{next(counter):03d}-Qx7"


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _lerkit_credential(key_type: KeyType, *, bound: bool) -> tuple[PrivateKey, PrivateKey, str]:
    issuer, holder = _key(key_type, "issuer"), _key(key_type, "holder")
    claims = {**CLAIMS, "sub": did_jwk(holder.public_key)} if bound else dict(CLAIMS)
    credential = issue_sd_jwt_vc(
        claims,
        vct=VCT,
        issuer=did_key(issuer.public_key),
        key=issuer,
        kid=verification_method_id(issuer.public_key),
        disclosable=DISCLOSABLE,
        salt=_salts(),
        holder_jwk=holder.public_key.jwk if bound else None,
        iat=ISSUED,
    )
    return issuer, holder, credential


def _js_verify(presentation: str, issuer: PrivateKey, **kwargs: Any) -> dict[str, Any]:
    return sdjwt_js(
        "verify",
        {
            "presentation": presentation,
            "issuer_jwk": issuer.public_key.jwk,
            "now": _ts(NOW),
            **kwargs,
        },
    )


# --------------------------------------------------------------------------- lerkit -> JS


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_lerkit_presentation_with_key_binding_verifies_in_js(key_type: KeyType) -> None:
    issuer, holder, credential = _lerkit_credential(key_type, bound=True)
    presentation = present(
        credential,
        disclose=["given_name", "/address/locality", "/degrees/1"],
        key=holder,
        aud=AUD,
        nonce=NONCE,
        iat=NOW,
    )
    result = _js_verify(presentation, issuer, nonce=NONCE, aud=AUD)
    assert result["verified"], result
    claims = result["payload"]
    assert claims["given_name"] == "Ada"
    assert "family_name" not in claims
    assert claims["address"] == {"locality": "London", "country": "GB"}
    assert claims["degrees"] == ["MSc Computing"]
    assert claims["vct"] == VCT
    assert result["kb"]["payload"]["nonce"] == NONCE
    assert result["kb"]["header"]["typ"] == "kb+jwt"
    # and lerkit agrees
    ours = verify_sd_jwt_vc(
        presentation,
        MethodResolver(),
        now=NOW,
        expected_aud=AUD,
        expected_nonce=NONCE,
        require_key_binding=True,
    )
    assert ours.claims == {k: v for k, v in claims.items()}


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_lerkit_presentation_without_key_binding_verifies_in_js(key_type: KeyType) -> None:
    issuer, _, credential = _lerkit_credential(key_type, bound=False)
    presentation = present(
        credential, disclose=["family_name", "/degrees/0"], key=None, aud=None, nonce=None, iat=NOW
    )
    result = _js_verify(presentation, issuer)
    assert result["verified"], result
    assert result["payload"]["family_name"] == "Lovelace"
    assert result["payload"]["degrees"] == ["BSc Mathematics"]
    assert "given_name" not in result["payload"]
    assert result["kb"] is None


def test_lerkit_tampered_presentations_fail_in_js_and_in_lerkit() -> None:
    issuer, holder, credential = _lerkit_credential(KeyType.P256, bound=True)
    good = present(credential, disclose=["given_name"], key=holder, aud=AUD, nonce=NONCE, iat=NOW)
    jwt, disclosure, kb = good.split("~")
    forged = encode_disclosure(decode_disclosure(disclosure).salt, "given_name", "Grace")
    cases = {
        "modified disclosure": (f"{jwt}~{forged}~{kb}", ProblemCode.SDJWT_DIGEST_MISMATCH),
        "other nonce": (good, ProblemCode.SDJWT_KEY_BINDING_INVALID),
    }
    for label, (presentation, code) in cases.items():
        nonce = "another-nonce" if label == "other nonce" else NONCE
        result = _js_verify(presentation, issuer, nonce=nonce, aud=AUD)
        assert result["verified"] is False, label
        with pytest.raises(LerkitError) as excinfo:
            verify_sd_jwt_vc(
                presentation,
                MethodResolver(),
                now=NOW,
                expected_aud=AUD,
                expected_nonce=nonce,
                require_key_binding=True,
            )
        assert excinfo.value.code == code, label
    # a KB-JWT for another audience: sd-jwt-js leaves aud to the caller (the script checks it)
    assert (
        _js_verify(good, issuer, nonce=NONCE, aud="https://elsewhere.example")["verified"] is False
    )


# --------------------------------------------------------------------------- JS -> lerkit


def _js_credential(key_type: KeyType) -> tuple[PrivateKey, PrivateKey, str]:
    issuer, holder = _key(key_type, "js-issuer"), _key(key_type, "js-holder")
    iss = did_jwk(issuer.public_key)
    credential = sdjwt_js(
        "issue",
        {
            "claims": {"iss": iss, "vct": VCT, "iat": _ts(ISSUED), **CLAIMS},
            "frame": {
                "_sd": ["given_name", "family_name"],
                "address": {"_sd": ["locality"]},
                "degrees": {"_sd": [0, 1]},
            },
            "issuer_jwk": issuer.private_jwk,
            "kid": iss + "#0",
            "holder_jwk": holder.public_key.jwk,
        },
    )["credential"]
    assert isinstance(credential, str)
    return issuer, holder, credential


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_js_issued_credential_verifies_in_lerkit(key_type: KeyType) -> None:
    issuer, holder, credential = _js_credential(key_type)
    result = verify_sd_jwt_vc(credential, MethodResolver(), now=NOW, require_key_binding=False)
    assert result.issuer == did_jwk(issuer.public_key)
    assert result.vct == VCT
    assert result.verification_method is not None
    for name, value in CLAIMS.items():
        assert result.claims[name] == value
    assert set(result.disclosed_paths) == {
        "/given_name",
        "/family_name",
        "/address/locality",
        "/degrees/0",
        "/degrees/1",
    }
    # lerkit presents the JS credential; both sides verify the presentation
    presentation = present(
        credential, disclose=["/degrees/1"], key=holder, aud=AUD, nonce=NONCE, iat=NOW
    )
    ours = verify_sd_jwt_vc(
        presentation,
        MethodResolver(),
        now=NOW,
        expected_aud=AUD,
        expected_nonce=NONCE,
        require_key_binding=True,
    )
    assert ours.claims["degrees"] == ["MSc Computing"]
    assert "given_name" not in ours.claims
    theirs = _js_verify(presentation, issuer, nonce=NONCE, aud=AUD)
    assert theirs["verified"], theirs
    assert theirs["payload"]["degrees"] == ["MSc Computing"]


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_js_presentation_with_key_binding_verifies_in_lerkit(key_type: KeyType) -> None:
    _, holder, credential = _js_credential(key_type)
    presentation = sdjwt_js(
        "present",
        {
            "credential": credential,
            "frame": {"given_name": True, "address": {"locality": True}},
            "holder_jwk": holder.private_jwk,
            "aud": AUD,
            "nonce": NONCE,
            "iat": _ts(NOW),
        },
    )["presentation"]
    result = verify_sd_jwt_vc(
        presentation,
        MethodResolver(),
        now=NOW,
        expected_aud=AUD,
        expected_nonce=NONCE,
        require_key_binding=True,
    )
    assert result.key_binding
    assert result.claims["given_name"] == "Ada"
    assert result.claims["address"] == {"locality": "London", "country": "GB"}
    assert result.claims["degrees"] == []
    assert "family_name" not in result.claims
    with pytest.raises(LerkitError) as excinfo:
        verify_sd_jwt_vc(
            presentation,
            MethodResolver(),
            now=NOW,
            expected_aud=AUD,
            expected_nonce="replayed",
            require_key_binding=True,
        )
    assert excinfo.value.code == ProblemCode.SDJWT_KEY_BINDING_INVALID


def test_js_issued_tampered_fails_in_lerkit_and_js() -> None:
    issuer, _, credential = _js_credential(KeyType.ED25519)
    jwt, *disclosures, last = credential.split("~")
    changed = []
    for text in disclosures:
        disclosure = decode_disclosure(text)
        if disclosure.name == "family_name":
            text = encode_disclosure(disclosure.salt, "family_name", "Byron")
        changed.append(text)
    tampered = "~".join([jwt, *changed, last])
    with pytest.raises(LerkitError) as excinfo:
        verify_sd_jwt_vc(tampered, MethodResolver(), now=NOW, require_key_binding=False)
    assert excinfo.value.code == ProblemCode.SDJWT_DIGEST_MISMATCH
    # sd-jwt-js 0.19.0 does not reject a Disclosure that matches no digest, as RFC 9901
    # §7.1 step 5 requires: it drops it silently. The forged value never shows, though.
    theirs = _js_verify(tampered, issuer)
    assert theirs["verified"] is False or "family_name" not in theirs["payload"]
    # a changed issuer signature fails on both sides
    head, body, signature = jwt.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    broken = "~".join([f"{head}.{body}.{flipped}", *disclosures, last])
    with pytest.raises(LerkitError) as excinfo:
        verify_sd_jwt_vc(broken, MethodResolver(), now=NOW, require_key_binding=False)
    assert excinfo.value.code == ProblemCode.JWT_INVALID_SIGNATURE
    assert _js_verify(broken, issuer)["verified"] is False
