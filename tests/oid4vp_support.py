"""Helpers for the OpenID4VP tests: a holder with credentials issued to their DID, and
presentation requests made through the API."""

from __future__ import annotations

from typing import Any

from wallet_support import new_holder, receive_file

SKILL_URL = "http://data.europa.eu/esco/skill/5a7f4c2e-7a3f-4d0e-9d6c-0f8f2d6b1a11"
SKILL_NAME = "analyse data"
ACHIEVEMENT = {
    "name": "Data Analysis Fundamentals",
    "description": "Collects, cleans and analyses data sets.",
    "criteria": {"narrative": "Passed the final assessment."},
    "alignments": [{"targetName": SKILL_NAME, "targetUrl": SKILL_URL, "targetFramework": "ESCO"}],
}


def holder_with_did(client: Any) -> tuple[dict[str, str], str]:
    """A new holder: ``(bearer headers, default DID)``."""
    headers, _public_id = new_holder(client)
    me = client.get("/api/v1/wallet/me", headers=headers)
    assert me.status_code == 200, me.text
    return headers, me.json()["did"]


def achievement(
    client: Any, org_headers: dict[str, str], body: dict[str, Any] | None = None
) -> str:
    created = client.post("/api/v1/achievements", json=body or ACHIEVEMENT, headers=org_headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def issue_to(
    client: Any,
    org_headers: dict[str, str],
    did: str,
    *,
    fmt: str = "eddsa-rdfc-2022",
    achievement_id: str | None = None,
) -> Any:
    """Issue the test achievement to ``did``; the credential (JSON object or compact text)."""
    achievement_id = achievement_id or achievement(client, org_headers)
    issued = client.post(
        "/api/v1/credentials",
        json={
            "achievement": achievement_id,
            "recipient": did,
            "recipientType": "did",
            "hashed": False,
            "format": fmt,
        },
        headers=org_headers,
    )
    assert issued.status_code == 201, issued.text
    return issued.json()["credential"]


def hold(client: Any, holder_headers: dict[str, str], credential: Any) -> str:
    """Import ``credential`` into the holder's wallet; its wallet id."""
    stored = receive_file(client, holder_headers, credential)
    return str(stored.get("id") or stored.get("public_id"))


def make_request(client: Any, org_headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/presentation-requests", json=body, headers=org_headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def open_in_wallet(client: Any, holder_headers: dict[str, str], link: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/wallet/oid4vp/requests", json={"url": link}, headers=holder_headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
