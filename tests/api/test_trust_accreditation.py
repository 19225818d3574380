"""An accreditation chain on one lerkit instance, end to end (SQLite and PostgreSQL): a
ministry (root of trust) accredits an agency to accredit, the agency accredits a college to
issue Open Badges, an employer's registry lists them; the college's badge is then
"recognised by national: accredited by the agency", until the agency revokes its
accreditation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.conftest import Tenant, make_tenant
from api.test_vcapi import issue
from lerkit.bootstrap import Services


def _accredit(client: TestClient, by: Tenant, subject: str, kind: str, types: list[str]) -> Any:
    response = client.post(
        "/api/v1/trust/accreditations",
        json={"subject": subject, "kind": kind, "accreditedFor": [{"types": types}]},
        headers=by.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _trust(client: TestClient, tenant: Tenant, credential: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/verify",
        json={"document": credential, "registry": "national"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verified"] is True, report
    found: dict[str, Any] = next(c for c in report["checks"] if c["check"] == "trust")
    return found


def test_accreditation_chain(client: TestClient, services: Services, org_a: Tenant) -> None:
    ministry = make_tenant(services, "ministry")
    agency = make_tenant(services, "agency")
    college = make_tenant(services, "college")
    employer = org_a
    to_accredit = _accredit(client, ministry, agency.did, "accredit", ["OpenBadgeCredential"])
    assert "VerifiableAccreditationToAccredit" in to_accredit["credential"]["type"]
    to_attest = _accredit(client, agency, college.did, "attest", ["OpenBadgeCredential"])
    assert to_attest["credential"]["issuer"] == agency.did
    created = client.post(
        "/api/v1/trust/registries",
        json={"name": "national", "roots": [ministry.did]},
        headers=employer.headers,
    )
    assert created.status_code == 201
    for entry in (
        {
            "did": agency.did,
            "name": "Quality Agency",
            "role": "accreditor",
            "accreditedBy": ministry.did,
            "accreditation": to_accredit["credential"],
        },
        {
            "did": college.did,
            "name": "College",
            "accreditedBy": agency.did,
            "accreditation": to_attest["credential"],
        },
    ):
        added = client.post(
            "/api/v1/trust/registries/national/entries", json=entry, headers=employer.headers
        )
        assert added.status_code == 201, added.text
    badge = issue(client, college)["credential"]
    trust = _trust(client, employer, badge)
    assert trust["status"] == "pass", trust
    assert trust["code"] == "issuer.recognised"
    assert trust["details"]["chain"] == [college.did, agency.did, ministry.did]
    assert trust["details"]["authority"] == f"Quality Agency ({agency.did})"
    assert "recognised by national" in trust["message"]
    # a badge of the agency itself: it may accredit, not issue
    own = issue(client, agency)["credential"]
    assert _trust(client, employer, own)["status"] == "warning"
    # the agency withdraws the college's accreditation: the chain no longer holds
    revoked = client.post(
        f"/api/v1/credentials/{to_attest['id']}/revoke",
        json={"reason": "accreditation withdrawn"},
        headers=agency.headers,
    )
    assert revoked.status_code == 200, revoked.text
    trust = _trust(client, employer, badge)
    assert trust["status"] == "warning"
    assert trust["code"] == "trust.accreditation_invalid"
    assert "revoked" in trust["message"]


def test_accreditation_input_is_validated(client: TestClient, org_a: Tenant) -> None:
    for body in (
        {"subject": "not a did"},
        {"subject": "did:web:x.example", "kind": "rule"},
        {"subject": "did:web:x.example", "validUntil": "2030-01-01T00:00:00"},
        {"subject": "did:web:x.example", "accreditedFor": [{"types": [1]}]},
    ):
        response = client.post("/api/v1/trust/accreditations", json=body, headers=org_a.headers)
        assert response.status_code == 422, (body, response.text)
    assert (
        client.post(
            "/api/v1/trust/accreditations", json={"subject": "did:web:x.example"}
        ).status_code
        == 401
    )
