"""The W3C VC-API endpoints, end to end over a real database: issue, verify, revoke, verify."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_app import assert_problem

ACHIEVEMENT = {
    "name": "Data Analysis Fundamentals",
    "description": "Collects, cleans and analyses data sets.",
    "criteria": {"narrative": "Passed the final assessment."},
}


def issue(client: TestClient, tenant: Tenant, recipient: str = "ada@example.org") -> Any:
    created = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=tenant.headers)
    assert created.status_code == 201, created.text
    issued = client.post(
        "/api/v1/credentials",
        json={"achievement": created.json()["id"], "recipient": recipient},
        headers=tenant.headers,
    )
    assert issued.status_code == 201, issued.text
    return issued.json()


def verify(client: TestClient, credential: Any) -> dict[str, Any]:
    """POST /credentials/verify: 200 when verified, 400 with the same result body when not
    (as the VC-API test suites require)."""
    response = client.post("/credentials/verify", json={"verifiableCredential": credential})
    body: dict[str, Any] = response.json()
    expected = 200 if body.get("verified") is True else 400
    assert response.status_code == expected, response.text
    assert "report" in body, body
    return body


def test_issue_verify_revoke_verify(client: TestClient, org_a: Tenant) -> None:
    record = issue(client, org_a)
    credential = record["credential"]
    assert credential["issuer"]["id"] == org_a.did
    entries = credential["credentialStatus"]
    purposes = {e["statusPurpose"] for e in entries}
    assert purposes == {"revocation", "suspension"}

    result = verify(client, credential)
    assert result["verified"] is True, result["problemDetails"]
    assert "proof" in result["checks"]
    assert result["errors"] == []
    assert result["report"]["verdict"] == "valid"

    revocation = next(e for e in entries if e["statusPurpose"] == "revocation")
    list_path = "/status/" + revocation["statusListCredential"].rsplit("/", 1)[1]
    before = client.get(list_path)
    assert before.status_code == 200
    etag = before.headers["etag"]
    assert before.headers["cache-control"]
    assert client.get(list_path, headers={"If-None-Match": etag}).status_code == 304

    changed = client.post(
        "/credentials/status",
        json={
            "credentialId": record["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=org_a.headers,
    )
    assert changed.status_code == 200, changed.text

    after = client.get(list_path, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert (
        after.json()["credentialSubject"]["encodedList"]
        != before.json()["credentialSubject"]["encodedList"]
    )

    result = verify(client, credential)
    assert result["verified"] is False
    codes = {p["code"] for p in result["problemDetails"]}
    assert "status.revoked" in codes
    assert result["errors"]


def test_tampered_credential_is_not_verified(client: TestClient, org_a: Tenant) -> None:
    credential = copy.deepcopy(issue(client, org_a)["credential"])
    credential["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    result = verify(client, credential)
    assert result["verified"] is False
    assert any(p["code"].startswith("proof.") for p in result["problemDetails"])


def test_suspend_and_unsuspend(client: TestClient, org_a: Tenant) -> None:
    record = issue(client, org_a)
    body = {
        "credentialId": record["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        "status": True,
    }
    assert client.post("/credentials/status", json=body, headers=org_a.headers).status_code == 200
    assert verify(client, record["credential"])["verified"] is False
    body["status"] = False
    assert client.post("/credentials/status", json=body, headers=org_a.headers).status_code == 200
    assert verify(client, record["credential"])["verified"] is True


def test_malformed_verify_bodies_are_400(client: TestClient) -> None:
    for raw in [b"", b"[]", b"{", b'{"verifiableCredential": 5}', b'{"x": NaN}', b"[" * 5000]:
        response = client.post(
            "/credentials/verify", content=raw, headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 400)
    assert_problem(client.post("/presentations/verify", json={"options": {}}), 400)


def test_status_update_validation(client: TestClient, org_a: Tenant) -> None:
    bad = client.post(
        "/credentials/status",
        json={"credentialId": 1, "credentialStatus": {}, "status": "yes"},
        headers=org_a.headers,
    )
    body = assert_problem(bad, 422)
    assert {e["pointer"] for e in body["errors"]} == {
        "/credentialId",
        "/credentialStatus/statusPurpose",
        "/status",
    }
    missing = client.post(
        "/credentials/status",
        json={
            "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000",
            "credentialStatus": {"statusPurpose": "revocation"},
            "status": True,
        },
        headers=org_a.headers,
    )
    assert_problem(missing, 404)


def test_issue_and_status_need_a_key(client: TestClient) -> None:
    assert_problem(client.post("/credentials/issue", json={"credential": {}}), 401)
    assert_problem(client.post("/credentials/status", json={}), 401)
