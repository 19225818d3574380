"""Claim links over HTTP: issue with `email: true`, the claim page and its downloads, the
410 pages, resend / revoke / bounce (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_vcapi import ACHIEVEMENT
from integration.test_claims_service import rewire_claims
from lerkit.bootstrap import Services
from lerkit.core.baking import unbake
from lerkit.services.claims import InMemoryMailer


@pytest.fixture
def mailer(services: Services) -> InMemoryMailer:
    memory = InMemoryMailer()
    rewire_claims(services, memory)
    return memory


def issue_with_email(client: TestClient, tenant: Tenant, lang: str = "en") -> dict[str, Any]:
    created = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=tenant.headers)
    issued = client.post(
        "/api/v1/credentials",
        json={
            "achievement": created.json()["id"],
            "recipient": "ada@example.org",
            "email": True,
            "lang": lang,
        },
        headers=tenant.headers,
    )
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    return body


def test_claim_page_and_downloads(
    client: TestClient, org_a: Tenant, mailer: InMemoryMailer
) -> None:
    issued = issue_with_email(client, org_a)
    assert issued["claim"]["state"] == "sent"
    token = mailer.sent[0].text.split("/claim/")[1].split()[0]

    page = client.get(f"/claim/{token}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Data Analysis Fundamentals" in page.text
    assert "openid-credential-offer://" in page.text
    assert '<html lang="en">' in page.text

    # the Learner Credential Wallet deep link leads to a VC-API exchange asking for DIDAuth
    link = html.unescape(page.text.split('href="dccrequest://request?request=')[1].split('"')[0])
    request = json.loads(unquote(link))
    vcapi = request["protocols"]["vcapi"]
    assert request["credentialRequestOrigin"] == vcapi.split("/workflows/")[0]
    asked = client.post("/workflows/" + vcapi.split("/workflows/")[1], json={})
    assert asked.status_code == 200, asked.text
    query = asked.json()["verifiablePresentationRequest"]["query"]
    assert query[0]["type"] == "DIDAuthentication"
    again = client.get(f"/claim/{token}")  # the open exchange is reused, not multiplied
    assert vcapi.split("/")[-1] in html.unescape(unquote(again.text))

    document = client.get(f"/claim/{token}/credential.json")
    assert document.status_code == 200
    assert document.json()["id"] == issued["id"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": document.json()})
    assert verified.json()["verified"] is True, verified.text

    png = client.get(f"/claim/{token}/badge.png")
    assert png.status_code == 200
    assert unbake(png.content).value["id"] == issued["id"]

    assert client.get("/claim/" + "x" * 43).status_code == 404
    assert client.get("/claim/" + "x" * 43 + "/credential.json").status_code == 404


def test_french_page_revoke_resend_bounce(
    client: TestClient, org_a: Tenant, mailer: InMemoryMailer
) -> None:
    issued = issue_with_email(client, org_a, "fr")
    claim_id = issued["claim"]["id"]
    token = mailer.sent[0].text.split("/claim/")[1].split()[0]
    assert "Votre badge" in client.get(f"/claim/{token}").text

    bounced = client.post(f"/api/v1/claims/{claim_id}/bounce", json={}, headers=org_a.headers)
    assert bounced.json()["state"] == "bounced"
    resent = client.post(f"/api/v1/claims/{claim_id}/resend", headers=org_a.headers)
    assert resent.json()["state"] == "sent"
    assert client.get(f"/claim/{token}").status_code == 404  # replaced by the new link
    token = mailer.sent[1].text.split("/claim/")[1].split()[0]

    revoked = client.post(f"/api/v1/claims/{claim_id}/revoke", headers=org_a.headers)
    assert revoked.json()["state"] == "revoked"
    gone = client.get(f"/claim/{token}")
    assert gone.status_code == 410
    assert "retiré" in gone.text
    assert "Organization ORG-A" in gone.text
    assert client.get(f"/claim/{token}/badge.png").status_code == 410
    again = client.post(f"/api/v1/claims/{claim_id}/resend", headers=org_a.headers)
    assert again.status_code == 409
