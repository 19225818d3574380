"""VC-API exchanges over HTTP (TestClient; SQLite and PostgreSQL): creating one, the
interaction URL, the DIDAuth request, issuing to the holder's DID wrapped in a presentation
(as the Learner Credential Wallet expects), problem+json refusals, tenant isolation."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from api.conftest import PUBLIC_URL, Tenant
from api.test_vcapi import ACHIEVEMENT
from integration.test_exchanges_service import didauth
from lerkit.core.dids.key import did_key
from lerkit.core.keys import KeyType, PrivateKey

PROBLEM = "application/problem+json"


def _achievement(client: TestClient, tenant: Tenant) -> str:
    created = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=tenant.headers)
    assert created.status_code == 201, created.text
    achievement_id: str = created.json()["id"]
    return achievement_id


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_exchange_over_http(client: TestClient, org_a: Tenant) -> None:
    achievement = _achievement(client, org_a)
    created = client.post(
        "/api/v1/exchanges",
        json={"achievement": achievement, "recipient": "ada@example.org"},
        headers=org_a.headers,
    )
    assert created.status_code == 201, created.text
    exchange = created.json()
    xid = exchange["id"]
    assert exchange["interactionUrl"] == f"{PUBLIC_URL}/interactions/{xid}?iuv=1"
    assert exchange["exchangeUrl"].startswith(f"{PUBLIC_URL}/workflows/")
    assert exchange["expires"]

    protocols = client.get(
        _path(exchange["interactionUrl"]), headers={"Accept": "application/json"}
    )
    assert protocols.status_code == 200
    assert protocols.json() == {"protocols": {"vcapi": exchange["exchangeUrl"]}}
    page = client.get(_path(exchange["interactionUrl"]), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "lcw.app" in page.text

    url = _path(exchange["exchangeUrl"])
    assert client.get(url).json()["state"] == "pending"
    request = client.post(url, json={})
    assert request.status_code == 200, request.text
    vpr = request.json()["verifiablePresentationRequest"]
    assert vpr["domain"] == urlsplit(PUBLIC_URL).netloc
    assert {"cryptosuite": "eddsa-rdfc-2022"} in vpr["query"][0]["acceptedCryptosuites"]

    key = PrivateKey.generate(KeyType.ED25519, os.urandom(32))
    wrong = client.post(
        url, json={"verifiablePresentation": didauth(key, vpr["challenge"], "evil.example")}
    )
    assert wrong.status_code == 400
    assert wrong.headers["content-type"].startswith(PROBLEM)
    assert wrong.json()["code"] == "proof.domain_mismatch"
    assert client.get(url).json()["lastError"]["code"] == "proof.domain_mismatch"

    vp = didauth(key, vpr["challenge"], urlsplit(PUBLIC_URL).netloc)
    answer = client.post(url, json={"verifiablePresentation": vp})
    assert answer.status_code == 200, answer.text
    (credential,) = answer.json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == did_key(key.public_key)
    assert client.get(url).json()["state"] == "complete"

    replay = client.post(url, json={"verifiablePresentation": vp})
    assert replay.status_code == 400
    assert replay.headers["content-type"].startswith(PROBLEM)
    assert replay.json()["code"] == "request.conflict"

    listed = client.get("/api/v1/credentials", headers=org_a.headers).json()
    assert credential["id"] in str(listed)


def test_bad_messages_are_problems(client: TestClient, org_a: Tenant) -> None:
    achievement = _achievement(client, org_a)
    exchange = client.post(
        "/api/v1/exchanges",
        json={"achievement": achievement, "recipient": "ada@example.org"},
        headers=org_a.headers,
    ).json()
    url = _path(exchange["exchangeUrl"])
    for body in (b"not json", b"[1, 2]", b'{"verifiablePresentation": 5}'):
        response = client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    assert client.post(url, content=b"").status_code == 200  # no body: {} (start)
    for missing in (
        "/workflows/didauth-issue/exchanges/nope",
        "/workflows/other/exchanges/" + exchange["id"],
    ):
        assert client.get(missing).status_code == 404
        assert client.post(missing, json={}).status_code == 404
    assert client.get("/interactions/nope").status_code == 404


def test_create_is_validated_and_isolated(client: TestClient, org_a: Tenant, org_b: Tenant) -> None:
    b_achievement = _achievement(client, org_b)
    b_offer = client.post(
        "/api/v1/offers",
        json={"achievement": b_achievement, "recipient": "bob@b.example"},
        headers=org_b.headers,
    )
    assert b_offer.status_code == 201, b_offer.text
    for body in (
        {"achievement": b_achievement, "recipient": "mallory@example.org"},
        {"offer": b_offer.json()["id"]},
    ):
        response = client.post("/api/v1/exchanges", json=body, headers=org_a.headers)
        assert response.status_code == 404, response.text
    for body in ({}, {"achievement": b_achievement}, {"offer": "x", "achievement": "y"}):
        response = client.post("/api/v1/exchanges", json=body, headers=org_b.headers)
        assert response.status_code == 422, response.text
    assert client.post("/api/v1/exchanges", json={"offer": "x"}).status_code == 401

    mine = client.post(
        "/api/v1/exchanges", json={"offer": b_offer.json()["id"]}, headers=org_b.headers
    )
    assert mine.status_code == 201, mine.text
    protocols = client.get(
        _path(mine.json()["interactionUrl"]), headers={"Accept": "application/json"}
    ).json()["protocols"]
    assert protocols["oid4vci-1.0"].startswith("openid-credential-offer://")
