"""OpenID4VCI 1.0 over HTTP (TestClient; SQLite and PostgreSQL): metadata, offers by value
and by reference, QR codes, the pre-authorized code flow with and without a PIN, JWT proofs,
batch issuance, one-time and expiring offers, OAuth error shapes, tenant isolation.

Shapes are checked against the spec's own examples, copied to ``tests/fixtures/oid4vci/``."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.conftest import PUBLIC_URL, Tenant
from api.test_vcapi import ACHIEVEMENT
from lerkit.core.dids import MethodResolver
from lerkit.core.dids.key import did_key
from lerkit.core.jose import decode_unverified, sign_jwt
from lerkit.core.keys import KeyType, PrivateKey
from lerkit.core.sdjwt import verify_sd_jwt_vc
from lerkit.services.oid4vci import (
    JWT_VC_JSON,
    LDP_VC,
    OFFER_WAYS,
    PRE_AUTHORIZED_GRANT,
    SD_JWT_VC,
    Way,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "oid4vci"


def holder_key() -> PrivateKey:
    return PrivateKey.generate(KeyType.ED25519, os.urandom(32))


def proof(
    key: PrivateKey,
    aud: str,
    nonce: str | None,
    *,
    typ: str = "openid4vci-proof+jwt",
    iat: float | None = None,
) -> str:
    did = did_key(key.public_key)
    payload: dict[str, Any] = {"aud": aud, "iat": int(iat if iat is not None else time.time())}
    if nonce is not None:
        payload["nonce"] = nonce
    return sign_jwt(payload, key, f"{did}#{did.removeprefix('did:key:')}", typ)


def achievement(client: TestClient, tenant: Tenant) -> str:
    created = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=tenant.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def make_offer(client: TestClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    body = {"achievement": achievement(client, tenant), "recipient": "ada@example.org", **extra}
    response = client.post("/api/v1/offers", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def path(url: str) -> str:
    assert url.startswith(PUBLIC_URL), url
    return url[len(PUBLIC_URL) :]


def redeem(client: TestClient, offer: dict[str, Any], pin: str | None = None) -> Any:
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": grant["pre-authorized_code"]}
    if pin is not None:
        form["tx_code"] = pin
    return client.post(path(offer["credential_issuer"]) + "/token", data=form)


def c_nonce(client: TestClient, issuer: str) -> str:
    response = client.post(path(issuer) + "/nonce")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return str(response.json()["c_nonce"])


def request_credential(client: TestClient, issuer: str, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        path(issuer) + "/credential", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_issuer_metadata(client: TestClient, org_a: Tenant) -> None:
    issuer = f"{PUBLIC_URL}/orgs/{org_a.slug}"
    metadata = client.get(f"/.well-known/openid-credential-issuer/orgs/{org_a.slug}")
    assert metadata.status_code == 200
    found = metadata.json()
    assert found["credential_issuer"] == issuer
    assert found["credential_endpoint"] == issuer + "/credential"
    assert found["nonce_endpoint"] == issuer + "/nonce"
    configurations = found["credential_configurations_supported"]
    assert configurations[LDP_VC]["format"] == "ldp_vc"
    assert configurations[LDP_VC]["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert "OpenBadgeCredential" in configurations[LDP_VC]["credential_definition"]["type"]
    assert configurations[JWT_VC_JSON]["format"] == "jwt_vc_json"
    for configuration in configurations.values():
        assert (
            "EdDSA"
            in configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        )
    # the same keys as the spec's examples use
    example = json.loads((FIXTURES / "credential_metadata_ldp_vc.json").read_text())
    spec_keys = set(next(iter(example["credential_configurations_supported"].values())))
    assert spec_keys - {"credential_metadata"} <= set(configurations[LDP_VC])
    server = client.get(f"/.well-known/oauth-authorization-server/orgs/{org_a.slug}").json()
    assert server["issuer"] == issuer
    assert server["token_endpoint"] == issuer + "/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    missing = client.get("/.well-known/openid-credential-issuer/orgs/nobody")
    assert missing.status_code == 404


@pytest.mark.parametrize("configuration", [LDP_VC, JWT_VC_JSON])
def test_whole_flow_by_reference_with_batch(
    client: TestClient, org_a: Tenant, configuration: str
) -> None:
    created = make_offer(client, org_a, txCode=True, credentialConfigurationIds=[configuration])
    pin = created["txCode"]
    assert pin
    assert pin.isdigit()
    assert len(pin) == 6
    # the URI names the reference; the reference is served once
    query = parse_qs(urlsplit(created["offerUri"]).query)
    assert created["offerUri"].startswith("openid-credential-offer://?")
    assert query["credential_offer_uri"] == [created["credentialOfferUri"]]
    offer = client.get(path(created["credentialOfferUri"]))
    assert offer.status_code == 200
    offer_json = offer.json()
    example = json.loads((FIXTURES / "credential_offer_pre-authz_code.json").read_text())
    assert set(offer_json) == set(example)
    assert offer_json["credential_configuration_ids"] == [configuration]
    assert offer_json["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["input_mode"] == "numeric"
    assert client.get(path(created["credentialOfferUri"])).status_code == 404

    token = redeem(client, offer_json, pin)
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    assert token.json()["token_type"] == "Bearer"
    access = token.json()["access_token"]
    issuer = offer_json["credential_issuer"]

    keys = [holder_key(), holder_key()]
    nonce = c_nonce(client, issuer)
    response = request_credential(
        client,
        issuer,
        access,
        {
            "credential_configuration_id": configuration,
            "proofs": {"jwt": [proof(k, issuer, nonce) for k in keys]},
        },
    )
    assert response.status_code == 200, response.text
    credentials = response.json()["credentials"]
    assert len(credentials) == 2
    for key, item in zip(keys, credentials, strict=True):
        credential = item["credential"]
        if configuration == LDP_VC:
            assert isinstance(credential, dict)
            assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
            document = credential
        else:
            assert isinstance(credential, str)
            document = decode_unverified(credential)[1]
        assert document["credentialSubject"]["id"] == did_key(key.public_key)
        assert "OpenBadgeCredential" in document["type"]
        verified = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert verified.json()["verified"] is True, verified.text
    # the same configuration once per token; the code once
    again = request_credential(
        client,
        issuer,
        access,
        {
            "credential_configuration_id": configuration,
            "proofs": {"jwt": [proof(keys[0], issuer, c_nonce(client, issuer))]},
        },
    )
    assert again.status_code == 400
    assert again.json()["error"] == "credential_request_denied"
    replay = redeem(client, offer_json, pin)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_offer_by_value_legacy_proof_and_qr(client: TestClient, org_a: Tenant) -> None:
    created = make_offer(client, org_a)
    assert created["txCode"] is None
    by_value = parse_qs(urlsplit(created["offerUriByValue"]).query)["credential_offer"][0]
    offer = json.loads(by_value)
    assert offer == created["credentialOffer"]
    assert "tx_code" not in offer["grants"][PRE_AUTHORIZED_GRANT]
    png = client.get(path(created["qrCode"]["png"]))
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(path(created["qrCode"]["svg"]))
    assert svg.status_code == 200
    assert b"<svg" in svg.content
    token = redeem(client, offer)
    assert token.status_code == 200, token.text
    issuer = offer["credential_issuer"]
    key = holder_key()
    response = request_credential(
        client,
        issuer,
        token.json()["access_token"],
        {
            "credential_configuration_id": JWT_VC_JSON,
            "proof": {"proof_type": "jwt", "jwt": proof(key, issuer, c_nonce(client, issuer))},
        },
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["credentials"]) == 1
    # redeemed: the QR code and the reference are gone
    assert client.get(path(created["qrCode"]["png"])).status_code == 404


def test_tx_code_required_and_wrong(client: TestClient, org_a: Tenant) -> None:
    created = make_offer(client, org_a, txCode=True)
    offer = created["credentialOffer"]
    missing = redeem(client, offer)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert missing.headers["content-type"].startswith("application/json")
    wrong_pin = "000000" if created["txCode"] != "000000" else "111111"
    wrong = redeem(client, offer, wrong_pin)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert redeem(client, offer, created["txCode"]).status_code == 200
    # a PIN for an offer that has none
    plain = make_offer(client, org_a)["credentialOffer"]
    unexpected = redeem(client, plain, "123456")
    assert unexpected.status_code == 400
    assert unexpected.json()["error"] == "invalid_request"


def test_too_many_wrong_pins_burn_the_offer(client: TestClient, org_a: Tenant) -> None:
    created = make_offer(client, org_a, txCode=True)
    wrong_pin = "000000" if created["txCode"] != "000000" else "111111"
    for _ in range(5):
        assert redeem(client, created["credentialOffer"], wrong_pin).status_code == 400
    burned = redeem(client, created["credentialOffer"], created["txCode"])
    assert burned.json()["error"] == "invalid_grant"


def test_token_endpoint_errors(client: TestClient, org_a: Tenant, org_b: Tenant) -> None:
    offer = make_offer(client, org_a)["credentialOffer"]
    token_url = path(offer["credential_issuer"]) + "/token"
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    cases = [
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": PRE_AUTHORIZED_GRANT}, "invalid_request"),
        ({"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "nope"}, "invalid_grant"),
    ]
    for form, error in cases:
        response = client.post(token_url, data=form)
        assert response.status_code == 400, form
        assert response.json()["error"] == error
    as_json = client.post(token_url, json={"grant_type": PRE_AUTHORIZED_GRANT})
    assert as_json.json()["error"] == "invalid_request"
    # A's code at B's token endpoint is unknown there
    at_b = client.post(
        f"/orgs/{org_b.slug}/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
    )
    assert at_b.json()["error"] == "invalid_grant"
    assert redeem(client, offer).status_code == 200


def test_expired_offer(client: TestClient, org_a: Tenant, services: Any) -> None:
    created = make_offer(client, org_a, expiresIn=60)
    real_clock = services.oid4vci._clock
    services.oid4vci._clock = lambda: real_clock() + __import__("datetime").timedelta(minutes=2)
    try:
        expired = redeem(client, created["credentialOffer"])
        assert expired.status_code == 400
        assert expired.json()["error"] == "invalid_grant"
        assert client.get(path(created["credentialOfferUri"])).status_code == 404
    finally:
        services.oid4vci._clock = real_clock


@pytest.fixture
def access(client: TestClient, org_a: Tenant) -> tuple[str, str]:
    offer = make_offer(client, org_a)["credentialOffer"]
    token = redeem(client, offer)
    assert token.status_code == 200
    return offer["credential_issuer"], token.json()["access_token"]


def test_bad_proofs(client: TestClient, access: tuple[str, str]) -> None:
    issuer, token = access
    key = holder_key()
    other = holder_key()

    def ask(jwt: str) -> Any:
        return request_credential(
            client, issuer, token, {"credential_configuration_id": LDP_VC, "proofs": {"jwt": [jwt]}}
        )

    forged = proof(key, issuer, c_nonce(client, issuer))
    head, body, _ = forged.split(".")
    signature = proof(other, issuer, "x").split(".")[2]
    cases = [
        (proof(key, issuer, "not-a-nonce-we-gave"), "invalid_nonce"),
        (proof(key, issuer, None), "invalid_nonce"),
        (proof(key, "https://elsewhere.example", c_nonce(client, issuer)), "invalid_proof"),
        (proof(key, issuer, c_nonce(client, issuer), typ="JWT"), "invalid_proof"),
        (proof(key, issuer, c_nonce(client, issuer), iat=time.time() - 3600), "invalid_proof"),
        (f"{head}.{body}.{signature}", "invalid_proof"),
        ("not.a.jwt", "invalid_proof"),
    ]
    for jwt, error in cases:
        response = ask(jwt)
        assert response.status_code == 400, (error, response.text)
        assert response.json()["error"] == error, response.text
    # a nonce is good once
    nonce = c_nonce(client, issuer)
    assert ask(proof(key, issuer, nonce)).status_code == 200
    offer_again = request_credential(
        client,
        issuer,
        token,
        {
            "credential_configuration_id": JWT_VC_JSON,
            "proofs": {"jwt": [proof(key, issuer, nonce)]},
        },
    )
    assert offer_again.json()["error"] == "invalid_nonce"


def test_credential_request_errors(client: TestClient, access: tuple[str, str]) -> None:
    issuer, token = access
    good = {"jwt": [proof(holder_key(), issuer, c_nonce(client, issuer))]}
    unknown = request_credential(
        client, issuer, token, {"credential_configuration_id": "Diploma", "proofs": good}
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unknown_credential_configuration"
    for body in ({}, {"proofs": good}):
        response = request_credential(client, issuer, token, body)
        assert response.json()["error"] == "invalid_credential_request"
    no_proof = request_credential(client, issuer, token, {"credential_configuration_id": LDP_VC})
    assert no_proof.json()["error"] == "invalid_proof"
    bad_token = request_credential(
        client, issuer, "nope", {"credential_configuration_id": LDP_VC, "proofs": good}
    )
    assert bad_token.status_code == 401
    assert bad_token.json()["error"] == "invalid_token"
    assert bad_token.headers["www-authenticate"].startswith("Bearer")
    no_token = client.post(path(issuer) + "/credential", json={})
    assert no_token.status_code == 401
    not_json = client.post(
        path(issuer) + "/credential",
        content=b"{",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert not_json.json()["error"] == "invalid_credential_request"


def test_offers_need_an_issuer_and_the_callers_achievement(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    b_achievement = achievement(client, org_b)
    stolen = client.post(
        "/api/v1/offers",
        json={"achievement": b_achievement, "recipient": "mallory@example.org"},
        headers=org_a.headers,
    )
    assert stolen.status_code == 404
    viewer = client.post(
        "/api/v1/api-keys", json={"name": "viewer", "role": "viewer"}, headers=org_a.headers
    ).json()
    denied = client.post(
        "/api/v1/offers",
        json={"achievement": achievement(client, org_a), "recipient": "ada@example.org"},
        headers={"Authorization": f"Bearer {viewer['token']}"},
    )
    assert denied.status_code == 403
    bad = client.post(
        "/api/v1/offers",
        json={
            "achievement": achievement(client, org_a),
            "recipient": "ada@example.org",
            "credentialConfigurationIds": ["Diploma"],
        },
        headers=org_a.headers,
    )
    assert bad.status_code == 422


def test_sd_jwt_vc_over_http(client: TestClient, org_a: Tenant) -> None:
    issuer = f"{PUBLIC_URL}/orgs/{org_a.slug}"
    metadata = client.get(f"/.well-known/openid-credential-issuer/orgs/{org_a.slug}").json()
    configuration = metadata["credential_configurations_supported"][SD_JWT_VC]
    assert configuration["format"] == "dc+sd-jwt"
    assert configuration["vct"] == f"{issuer}/vct/open-badge"
    assert "credential_definition" not in configuration
    created = make_offer(client, org_a, credentialConfigurationIds=[SD_JWT_VC])
    token = redeem(client, created["credentialOffer"])
    assert token.status_code == 200, token.text
    key = holder_key()
    response = request_credential(
        client,
        issuer,
        token.json()["access_token"],
        {
            "credential_configuration_id": SD_JWT_VC,
            "proofs": {"jwt": [proof(key, issuer, c_nonce(client, issuer))]},
        },
    )
    assert response.status_code == 200, response.text
    sd_jwt = response.json()["credentials"][0]["credential"]
    document = client.get(f"/orgs/{org_a.slug}/did.json").json()
    verified = verify_sd_jwt_vc(
        sd_jwt,
        MethodResolver(documents={document["id"]: document}),
        now=datetime.now(UTC),
        require_key_binding=False,
    )
    assert verified.header["typ"] == "dc+sd-jwt"
    assert verified.claims["cnf"]["jwk"] == key.public_key.jwk
    assert verified.claims["achievement"]["name"] == ACHIEVEMENT["name"]
    assert "/achievement" in verified.disclosed_paths
    # stored as issued; revocable like the others
    listed = client.get("/api/v1/credentials", headers=org_a.headers).json()
    items = listed.get("items", listed.get("credentials", listed))
    mine = [c for c in items if c["format"] == "sd-jwt-vc"]
    assert len(mine) == 1
    one = client.get(f"/api/v1/credentials/{mine[0]['id']}", headers=org_a.headers).json()
    assert one["credential"] == sd_jwt


def test_sd_jwt_vc_needs_a_key_did(client: TestClient, org_a: Tenant) -> None:
    body = {"achievement": achievement(client, org_a), "format": "dc+sd-jwt"}
    email = client.post(
        "/api/v1/credentials",
        json={**body, "recipient": "ada@example.org", "recipientType": "email"},
        headers=org_a.headers,
    )
    assert email.status_code == 422, email.text
    web = client.post(
        "/api/v1/credentials",
        json={**body, "recipient": "did:web:example.org", "recipientType": "did"},
        headers=org_a.headers,
    )
    assert web.status_code == 422, web.text
    good = client.post(
        "/api/v1/credentials",
        json={**body, "recipient": did_key(holder_key().public_key), "recipientType": "did"},
        headers=org_a.headers,
    )
    assert good.status_code == 201, good.text
    assert good.json()["format"] == "sd-jwt-vc"


def test_offer_ways(client: TestClient, org_a: Tenant) -> None:
    created = make_offer(client, org_a, txCode=True)
    assert created["ways"] == created["credentialOfferUri"] + "/ways"
    response = client.get(path(created["ways"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    found = response.json()
    assert found["id"] == created["id"]
    assert found["txCode"] is True
    assert found["credentialConfigurationIds"] == created["credentialConfigurationIds"]
    text = response.text
    code = created["credentialOffer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    assert code not in text
    assert created["txCode"] not in text
    ways = {way["protocol"]: way for way in found["ways"]}
    assert list(ways)[:1] == ["openid4vci"]
    assert {"openid4vci", "vc-api", "claim-page"} <= set(ways)
    oid4vci = ways["openid4vci"]
    assert oid4vci["available"] is True
    assert oid4vci["url"] == created["offerUri"]
    assert oid4vci["links"]["qrPng"] == created["qrCode"]["png"]
    assert client.get(path(oid4vci["links"]["qrSvg"])).status_code == 200
    for way in found["ways"]:
        assert set(way) >= {"protocol", "description", "available", "url"}
        assert way["available"] is (way["url"] is not None)
    # fetched by reference: that way is spent, the listing says so
    assert client.get(path(created["credentialOfferUri"])).status_code == 200
    after = {w["protocol"]: w for w in client.get(path(created["ways"])).json()["ways"]}
    assert after["openid4vci"]["available"] is False
    assert after["openid4vci"]["note"]
    # redeemed or unknown: no ways
    redeem(client, created["credentialOffer"], created["txCode"])
    assert client.get(path(created["ways"])).status_code == 404
    assert client.get("/offers/nope/ways").status_code == 404


def test_offer_ways_registry(
    client: TestClient, org_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # another module adds its way with one line; a provider may decline (None)
    ways = dict(OFFER_WAYS)
    ways["vc-api"] = lambda ctx: Way("vc-api", "VC-API", f"{ctx.public_url}/exchanges/x?iuv=1")
    ways["declines"] = lambda ctx: None
    monkeypatch.setattr("lerkit.services.oid4vci.OFFER_WAYS", ways)
    created = make_offer(client, org_a)
    found = client.get(path(created["ways"])).json()["ways"]
    assert [w["protocol"] for w in found] == ["openid4vci", "vc-api", "claim-page"]
    assert found[1]["url"] == f"{PUBLIC_URL}/exchanges/x?iuv=1"


def test_offer_ways_include_a_vc_api_exchange(client: TestClient, org_a: Tenant) -> None:
    created = make_offer(client, org_a)
    before = {w["protocol"]: w for w in client.get(path(created["ways"])).json()["ways"]}
    assert before["vc-api"]["available"] is False
    assert before["claim-page"]["available"] is False
    exchange = client.post(
        "/api/v1/exchanges", json={"offer": created["id"]}, headers=org_a.headers
    )
    assert exchange.status_code == 201, exchange.text
    after = {w["protocol"]: w for w in client.get(path(created["ways"])).json()["ways"]}
    assert after["vc-api"]["url"] == exchange.json()["interactionUrl"]
    assert after["vc-api"]["url"].endswith("?iuv=1")
