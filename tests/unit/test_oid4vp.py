"""OpenID4VP 1.0 requests and vp_token shapes (lerkit.core.oid4vp): a request object
signed by a did:key verifier verifies; every way of tampering with it, or a request that
does not fit together, is refused with vp.request_invalid."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from lerkit.core import dcql
from lerkit.core import oid4vp as vp
from lerkit.core.dids import MethodResolver
from lerkit.core.dids.key import did_key, verification_method_id
from lerkit.core.errors import CryptoError, InputError, LerkitError, ProblemCode
from lerkit.core.jose import decode_unverified, sign_jwt
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.multibase import b64url_encode

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
KEY = PrivateKey.generate(KeyType.ED25519, bytes(range(32)))
OTHER = PrivateKey.generate(KeyType.ED25519, bytes(range(1, 33)))
DID = did_key(KEY.public_key)
CLIENT_ID = vp.DID_PREFIX + DID
QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:x"]},
            "claims": [{"path": ["given_name"]}],
        }
    ]
}
NONCE = "n-0S6_WzA2Mj-abcdefgh"


def _payload(**changes: Any) -> dict[str, Any]:
    payload = vp.request_payload(
        client_id=CLIENT_ID,
        response_uri="https://verifier.example/oid4vp/responses/1",
        nonce=NONCE,
        state="st-1",
        dcql_query=QUERY,
        client_metadata={"client_name": "Verifier"},
        issued_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
        purpose="hiring",
    )
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def _sign(payload: dict[str, Any], key: PrivateKey = KEY, typ: str = vp.REQUEST_TYP) -> str:
    return sign_jwt(payload, key, verification_method_id(KEY.public_key), typ)


def test_a_signed_request_verifies() -> None:
    token = vp.sign_request(_payload(), KEY, verification_method_id(KEY.public_key))
    header, payload = decode_unverified(token)
    assert header["typ"] == "oauth-authz-req+jwt"
    assert payload["aud"] == "https://self-issued.me/v2"
    request = vp.verify_request(token, MethodResolver(), now=NOW)
    assert request.client_id == CLIENT_ID
    assert request.verifier_did == DID
    assert request.signed_by == verification_method_id(KEY.public_key)
    assert request.nonce == NONCE
    assert request.state == "st-1"
    assert request.verifier_name == "Verifier"
    assert request.purposes == ["hiring"]
    assert request.dcql_query == dcql.parse_query(QUERY)
    assert request.expires_at == NOW + timedelta(minutes=10)


def test_the_invocation_link_round_trips() -> None:
    link = vp.invocation_url(CLIENT_ID, "https://verifier.example/oid4vp/requests/1")
    assert link.startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A")
    params = vp.parse_invocation(link)
    assert params == {
        "client_id": CLIENT_ID,
        "request_uri": "https://verifier.example/oid4vp/requests/1",
    }


def _b64(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value).encode())


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda: _sign(_payload(), OTHER), ProblemCode.OID4VP_REQUEST_INVALID),  # wrong key
        (lambda: _sign(_payload(), typ="JWT"), ProblemCode.OID4VP_REQUEST_INVALID),
        (
            lambda: _sign(_payload(client_id="redirect_uri:https://x")),
            ProblemCode.OID4VP_REQUEST_INVALID,
        ),
        (lambda: _sign(_payload(response_mode="fragment")), ProblemCode.OID4VP_REQUEST_INVALID),
        (lambda: _sign(_payload(response_type="code")), ProblemCode.OID4VP_REQUEST_INVALID),
        (lambda: _sign(_payload(nonce="short")), ProblemCode.OID4VP_REQUEST_INVALID),
        (lambda: _sign(_payload(nonce=None)), ProblemCode.OID4VP_REQUEST_INVALID),
        (lambda: _sign(_payload(dcql_query=None)), ProblemCode.OID4VP_REQUEST_INVALID),
        (lambda: _sign(_payload(dcql_query={"credentials": []})), ProblemCode.DCQL_INVALID),
        (lambda: _sign(_payload(response_uri="ftp://x")), ProblemCode.OID4VP_REQUEST_INVALID),
        (
            lambda: _sign(_payload(exp=int((NOW - timedelta(seconds=1)).timestamp()))),
            ProblemCode.OID4VP_REQUEST_EXPIRED,
        ),
        (lambda: "a.b", ProblemCode.OID4VP_REQUEST_INVALID),
        (
            lambda: _b64({"alg": "none", "typ": vp.REQUEST_TYP}) + "." + _b64(_payload()) + ".x",
            ProblemCode.OID4VP_REQUEST_INVALID,
        ),
        # the signature covers the payload: change one claim
        (
            lambda: ".".join(
                [
                    _sign(_payload()).split(".")[0],
                    _b64(_payload(nonce="x" * 20)),
                    _sign(_payload()).split(".")[2],
                ]
            ),
            ProblemCode.OID4VP_REQUEST_INVALID,
        ),
    ],
)
def test_bad_request_objects_are_refused(token: Any, code: ProblemCode) -> None:
    with pytest.raises(LerkitError) as caught:
        vp.verify_request(token(), MethodResolver(), now=NOW)
    assert caught.value.code is code
    assert isinstance(caught.value, InputError | CryptoError)


def test_a_kid_of_another_did_is_refused() -> None:
    other_vm = verification_method_id(OTHER.public_key)
    token = sign_jwt(_payload(), OTHER, other_vm, vp.REQUEST_TYP)
    with pytest.raises(InputError, match="kid must be a DID URL of the client's DID"):
        vp.verify_request(token, MethodResolver(), now=NOW)


def test_the_link_must_agree_with_the_request_object() -> None:
    token = vp.sign_request(_payload(), KEY, verification_method_id(KEY.public_key))
    with pytest.raises(InputError, match="client_id"):
        vp.verify_request(token, MethodResolver(), now=NOW, link_params={"client_id": "x"})


def test_requests_by_value_only_from_redirect_uri_clients() -> None:
    uri = "https://verifier.example/cb"
    params = {
        "client_id": "redirect_uri:" + uri,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": uri,
        "nonce": NONCE,
        "dcql_query": json.dumps(QUERY),
    }
    link = "openid4vp://?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    request = vp.check_request(vp.parse_invocation(link))
    assert request.verifier_did is None
    assert request.state is None
    with pytest.raises(InputError, match="client id must be the response_uri"):
        vp.check_request({**params, "response_uri": "https://elsewhere.example/cb"})
    with pytest.raises(InputError, match="signed request object"):
        vp.check_request({**params, "client_id": CLIENT_ID})
    with pytest.raises(InputError, match="prefix is not supported"):
        vp.check_request({**params, "client_id": "x509_san_dns:verifier.example"})
    with pytest.raises(InputError, match="Presentation Exchange"):
        vp.check_request(
            {k: v for k, v in params.items() if k != "dcql_query"}
            | {"presentation_definition": "{}"}
        )


@pytest.mark.parametrize(
    "link",
    [
        "",
        "mailto:x",
        "openid4vp://?response_type=vp_token",
        "openid4vp://?client_id=a&client_id=b",
        "x" * 9000,
    ],
)
def test_bad_links(link: str) -> None:
    with pytest.raises(InputError) as caught:
        vp.parse_invocation(link)
    assert caught.value.code is ProblemCode.OID4VP_REQUEST_INVALID


def test_vp_token_shapes() -> None:
    query = dcql.parse_query(
        {
            "credentials": [
                {"id": "a", "format": "dc+sd-jwt", "meta": {}},
                {"id": "b", "format": "dc+sd-jwt", "meta": {}, "multiple": True},
            ]
        }
    )
    assert vp.parse_vp_token('{"a": ["x~"], "b": ["y~", "z~"]}', query) == {
        "a": ["x~"],
        "b": ["y~", "z~"],
    }
    for bad, code in (
        ("not json", ProblemCode.OID4VP_RESPONSE_MALFORMED),
        ("[]", ProblemCode.OID4VP_RESPONSE_MALFORMED),
        ("{}", ProblemCode.OID4VP_RESPONSE_MALFORMED),
        ('{"a": "x~"}', ProblemCode.OID4VP_RESPONSE_MALFORMED),  # 1.0 final: an array
        ('{"a": []}', ProblemCode.OID4VP_RESPONSE_MALFORMED),
        ('{"a": ["x~", "y~"]}', ProblemCode.OID4VP_RESPONSE_MALFORMED),  # not multiple
        ('{"a": [1]}', ProblemCode.OID4VP_RESPONSE_MALFORMED),
        ('{"c": ["x~"]}', ProblemCode.OID4VP_QUERY_UNSATISFIED),  # not asked
    ):
        with pytest.raises(InputError) as caught:
            vp.parse_vp_token(bad, query)
        assert caught.value.code is code, bad


def test_key_binding_claims() -> None:
    kb = sign_jwt({"aud": "a", "nonce": "n"}, KEY, "k", "kb+jwt")
    assert vp.key_binding_claims("jwt~disclosure~" + kb) == {"aud": "a", "nonce": "n"}
    assert vp.key_binding_claims("jwt~disclosure~") is None
    assert vp.key_binding_claims("jwt") is None


def test_credential_types_are_compact_and_expanded() -> None:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
    }
    types = vp.credential_types(credential)
    assert "OpenBadgeCredential" in types
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential" in types
    assert vp.credential_types({"@context": ["https://unknown.example/ctx"], "type": "X"}) == ("X",)
