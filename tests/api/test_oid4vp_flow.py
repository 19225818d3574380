"""OpenID4VP end to end, in process: lerkit's verifier and lerkit's wallet (SQLite and
PostgreSQL). The organization makes a request (template or DCQL), the holder opens the
openid4vp:// link in their wallet, sees what would be disclosed, consents; the verifier
checks the vp_token and the organization reads the verified claims."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.conftest import Tenant, make_tenant
from lerkit.bootstrap import Services
from lerkit.core import sdjwt
from lerkit.db.models_wallet import ConsentRecord
from oid4vp_support import (
    SKILL_NAME,
    SKILL_URL,
    hold,
    holder_with_did,
    issue_to,
    make_request,
    open_in_wallet,
)


def _verifier_view(client: TestClient, org: Tenant, request_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/presentation-requests/{request_id}", headers=org.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_ob3_badge_aligned_to_a_skill_from_a_trusted_issuer(
    client: TestClient, org_a: Tenant, org_b: Tenant, services: Services
) -> None:
    holder, did = holder_with_did(client)
    credential_id = hold(client, holder, issue_to(client, org_a.headers, did))
    request = make_request(
        client,
        org_b.headers,
        template="ob3-skill",
        skill=SKILL_URL,
        trustedIssuers=[org_a.did],
        purpose="Check the data analysis skill for the analyst job",
    )
    assert request["status"] == "pending"
    assert request["link"].startswith("openid4vp://?client_id=decentralized_identifier%3A")
    assert request["clientId"] == f"decentralized_identifier:{org_b.did}"
    # the request object is a JWT signed by org B's key
    token = client.get(request["requestUri"].removeprefix("https://lerkit.test"))
    assert token.status_code == 200
    assert token.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    assert token.text.count(".") == 2

    opened = open_in_wallet(client, holder, request["link"])
    assert opened["verifier"] == {
        "clientId": request["clientId"],
        "did": org_b.did,
        "name": "Organization ORG-B",
        "verified": True,
    }
    assert opened["purpose"] == "Check the data analysis skill for the analyst job"
    assert opened["satisfiable"] is True
    [match] = opened["matches"]["badge"]
    assert match["credential"] == credential_id
    assert match["wholeCredential"] is True  # eddsa: no selective disclosure
    shown = {c["pointer"]: c["value"] for c in match["claims"]}
    assert shown["/credentialSubject/achievement/name"] == "Data Analysis Fundamentals"
    assert shown["/credentialSubject/achievement/alignment/0/targetUrl"] == SKILL_URL
    assert shown["/issuer/id"] == org_a.did
    # nothing has been sent yet
    assert _verifier_view(client, org_b, request["id"])["status"] == "pending"

    answered = client.post(
        f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", json={}, headers=holder
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "shared"
    view = _verifier_view(client, org_b, request["id"])
    assert view["status"] == "verified", view
    [badge] = view["claims"]["badge"]
    assert badge["issuer"] == org_a.did
    assert badge["claims"]["skill"] == [SKILL_URL]
    assert badge["claims"]["achievement"] == ["Data Analysis Fundamentals"]
    assert "OpenBadgeCredential" in badge["types"]
    [report] = view["reports"]
    assert report["verified"] is True
    assert report["kind"] == "presentation"
    assert {c["check"]: c["status"] for c in report["checks"]}["holder"] == "pass"
    # the consent ledger says what went to whom
    with services.database.session() as session:
        [record] = session.scalars(select(ConsentRecord)).all()
        assert record.kind == "oid4vp"
        assert record.recipient == request["clientId"]
        assert record.purpose == "Check the data analysis skill for the analyst job"
        assert record.disclosed == [{"credential": credential_id, "fields": ["*"]}]
        assert record.reference == opened["id"]
    # the organization's audit log has both ends
    events = client.get(
        "/api/v1/audit-events?objectType=presentation_request", headers=org_b.headers
    ).json()["events"]
    assert [(e["action"], e["objectId"]) for e in events] == [
        ("presentation_request.verified", request["id"]),
        ("presentation_request.created", request["id"]),
    ]
    assert events[0]["actor"] == "oid4vp:wallet"
    # single use: the wallet cannot answer again, the request object is gone
    again = client.post(
        f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", json={}, headers=holder
    )
    assert again.status_code == 409
    assert again.json()["code"] == "vp.request_used"
    assert client.get(f"/oid4vp/requests/{request['id']}").status_code == 409


def test_sd_jwt_vc_discloses_only_the_claims_asked_for(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    holder, did = holder_with_did(client)
    compact = issue_to(client, org_a.headers, did, fmt="dc+sd-jwt")
    assert isinstance(compact, str)
    assert "~" in compact
    hold(client, holder, compact)
    vct = sdjwt.decode_sd_jwt(compact).payload["vct"]
    request = make_request(
        client, org_b.headers, template="sd-jwt-vc", vct=vct, claims=["achievement.name"]
    )
    opened = open_in_wallet(client, holder, request["link"])
    [match] = opened["matches"]["credential"]
    assert match["wholeCredential"] is False
    assert [c["pointer"] for c in match["claims"]] == ["/achievement/name"]
    answered = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    assert answered.status_code == 200, answered.text
    view = _verifier_view(client, org_b, request["id"])
    assert view["status"] == "verified", view
    [entry] = view["claims"]["credential"]
    assert entry["claims"] == {"0": ["Data Analysis Fundamentals"]}
    disclosed = entry["disclosed"]
    # only the achievement's name: not its description, criteria or alignments
    assert disclosed["achievement"]["name"] == "Data Analysis Fundamentals"
    for hidden in ("description", "criteria", "alignment"):
        assert hidden not in disclosed["achievement"]
    assert {"description", "criteria", "alignment"} <= set(
        sdjwt.decode_sd_jwt(compact).claims["achievement"]
    )
    assert entry["vct"] == vct
    [report] = view["reports"]
    assert report["verified"] is True
    assert report["disclosedPaths"] == ["/achievement"]  # its details stay undisclosed


def test_declining_tells_the_verifier_and_discloses_nothing(
    client: TestClient, org_a: Tenant, org_b: Tenant, services: Services
) -> None:
    holder, did = holder_with_did(client)
    hold(client, holder, issue_to(client, org_a.headers, did))
    request = make_request(client, org_b.headers, template="vc-type", type="OpenBadgeCredential")
    opened = open_in_wallet(client, holder, request["link"])
    assert opened["satisfiable"] is True
    declined = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/decline", headers=holder)
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    view = _verifier_view(client, org_b, request["id"])
    assert view["status"] == "rejected"
    assert view["error"]["code"] == "vp.access_denied"
    assert view["claims"] == {}
    with services.database.session() as session:
        assert session.scalars(select(ConsentRecord)).all() == []


def test_a_dcql_query_the_wallet_cannot_satisfy(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    holder, did = holder_with_did(client)
    hold(client, holder, issue_to(client, org_a.headers, did))
    query = {
        "credentials": [
            {
                "id": "degree",
                "format": "ldp_vc",
                "meta": {"type_values": [["UniversityDegreeCredential"]]},
            }
        ]
    }
    request = make_request(client, org_b.headers, dcql=query)
    opened = open_in_wallet(client, holder, request["link"])
    assert opened["satisfiable"] is False
    assert opened["matches"] == {"degree": []}
    answered = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    assert answered.status_code == 422
    assert answered.json()["code"] == "vp.no_match"
    assert _verifier_view(client, org_b, request["id"])["status"] == "pending"


def test_an_untrusted_issuer_is_not_offered_and_is_rejected(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    holder, did = holder_with_did(client)
    hold(client, holder, issue_to(client, org_a.headers, did))
    request = make_request(
        client,
        org_b.headers,
        template="ob3-skill",
        skill=SKILL_NAME,
        trustedIssuers=["did:web:elsewhere.example"],
    )
    opened = open_in_wallet(client, holder, request["link"])
    assert opened["matches"] == {"badge": []}  # the wallet filters on issuer.id too


def test_invalid_dcql_is_refused(client: TestClient, org_a: Tenant) -> None:
    response = client.post(
        "/api/v1/presentation-requests",
        json={"dcql": {"credentials": [{"id": "x y", "format": "ldp_vc", "meta": {}}]}},
        headers=org_a.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "dcql.invalid"
    both = client.post(
        "/api/v1/presentation-requests",
        json={"template": "vc-type", "type": "X", "dcql": {"credentials": []}},
        headers=org_a.headers,
    )
    assert both.status_code == 422


def test_qr_codes_and_templates(client: TestClient, org_a: Tenant) -> None:
    request = make_request(client, org_a.headers, template="vc-type", type="OpenBadgeCredential")
    png = client.get(f"/oid4vp/requests/{request['id']}/qr.png")
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(f"/oid4vp/requests/{request['id']}/qr.svg")
    assert svg.status_code == 200
    assert b"<svg" in svg.content
    listed = client.get("/api/v1/presentation-requests/templates", headers=org_a.headers)
    assert {t["template"] for t in listed.json()} == {"ob3-skill", "sd-jwt-vc", "vc-type"}
    pending = client.get("/api/v1/presentation-requests?status=pending", headers=org_a.headers)
    assert [r["id"] for r in pending.json()] == [request["id"]]
    assert json.loads(json.dumps(request["dcqlQuery"]))["credential_sets"][0]["options"] == [
        ["ldp"],
        ["jwt"],
    ]


def test_a_vc_jwt_is_presented_in_a_vp_jwt(
    client: TestClient, org_a: Tenant, org_b: Tenant, services: Services
) -> None:
    holder, did = holder_with_did(client)
    token = issue_to(client, org_a.headers, did, fmt="vc-jwt")
    assert isinstance(token, str)
    assert token.count(".") == 2
    credential_id = hold(client, holder, token)
    request = make_request(client, org_b.headers, template="vc-type", type="OpenBadgeCredential")
    opened = open_in_wallet(client, holder, request["link"])
    assert opened["matches"]["ldp"] == []
    assert [m["credential"] for m in opened["matches"]["jwt"]] == [credential_id]
    answered = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    assert answered.status_code == 200, answered.text
    view = _verifier_view(client, org_b, request["id"])
    assert view["status"] == "verified", view
    [entry] = view["claims"]["jwt"]
    assert entry["format"] == "jwt_vc_json"
    assert entry["issuer"] == org_a.did
    [report] = view["reports"]
    assert report["format"] == "jwt"
    assert report["verified"] is True


def test_a_did_key_verifier(client: TestClient, org_a: Tenant, services: Services) -> None:
    verifier = make_tenant(services, "keyed", did_method="key")
    assert verifier.did.startswith("did:key:")
    holder, did = holder_with_did(client)
    hold(client, holder, issue_to(client, org_a.headers, did))
    request = make_request(client, verifier.headers, template="vc-type", type="OpenBadgeCredential")
    opened = open_in_wallet(client, holder, request["link"])
    assert opened["verifier"]["did"] == verifier.did
    answered = client.post(f"/api/v1/wallet/oid4vp/requests/{opened['id']}/respond", headers=holder)
    assert answered.json()["status"] == "shared", answered.text
    assert _verifier_view(client, verifier, request["id"])["status"] == "verified"
