"""Share links, the public share page, the consent ledger and résumés over HTTP."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.conftest import PUBLIC_URL
from lerkit.bootstrap import Services
from lerkit.services.wallet.resume import validate_ler_rs
from sharing_support import WalletHolder, issued, keep, new_holder, tenant

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)


def wallet_with_two(services: Services) -> tuple[WalletHolder, list[str], list[Any]]:
    org = tenant(services)
    holder = new_holder(services)
    records = [
        issued(services, org, "Data Analysis Fundamentals"),
        issued(
            services,
            org,
            "Project Management Basics",
            valid_until=datetime.now(UTC) + timedelta(days=800),
        ),
    ]
    return holder, [keep(services, holder, r.document) for r in records], records


def create_share(
    client: TestClient, holder: WalletHolder, ids: list[str], **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/wallet/shares",
        json={
            "credentials": ids,
            "recipient": {
                "name": "Grace Hopper",
                "organization": "Employer Ltd",
                "email": "grace@employer.example",
            },
            "purpose": "job application",
            **extra,
        },
        headers=holder.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_share_then_public_page_json_pdf_and_views(client: TestClient, services: Services) -> None:
    holder, ids, records = wallet_with_two(services)
    expires = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    share = create_share(client, holder, ids, expiresAt=expires.isoformat(), lang="en")
    assert share["url"] == f"{PUBLIC_URL}/s/{share['id']}"
    assert share["credentials"] == ids
    assert share["state"] == "active"
    assert share["views"] == 0
    assert datetime.fromisoformat(share["expiresAt"]) == expires

    page = client.get(f"/s/{share['id']}", headers={"User-Agent": BROWSER})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert html.count('data-verdict="valid"') == 2
    assert "Data Analysis Fundamentals" in html
    assert "Project Management Basics" in html
    assert "it is NOT the expiry of the credentials" in html
    assert expires.strftime("%Y-%m-%d") in html  # the link's expiry
    second_until = json.loads(records[1].document)["validUntil"][:10]
    assert second_until in html  # the credential's own expiry
    assert "The credential does not expire" in html
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert "Signature</strong> (passed)" in html

    french = client.get(f"/s/{share['id']}?lang=fr")
    assert "ce n’est PAS l’expiration des attestations" in french.text
    assert "Signature</strong> (réussi)" in french.text

    as_json = client.get(f"/s/{share['id']}", headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["credentials"] == [json.loads(r.document) for r in records]
    assert body["share"]["linkExpiresAt"] == expires.isoformat()
    same = client.get(f"/s/{share['id']}/credentials.json")
    assert same.json()["credentials"] == body["credentials"]
    for credential in body["credentials"]:  # the employer's software verifies them itself
        assert client.post("/credentials/verify", json={"verifiableCredential": credential}).json()[
            "verified"
        ]

    pdf = client.get(f"/s/{share['id']}/c/{ids[0]}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert reader.attachments["credential.json"] == [records[0].document.encode()]
    assert share["url"] in reader.pages[0].extract_text()
    own_pdf = client.get(
        f"/api/v1/wallet/shares/{share['id']}/credentials/{ids[1]}/credential.pdf?lang=fr",
        headers=holder.headers,
    )
    assert own_pdf.status_code == 200
    assert "Délivrée par" in PdfReader(io.BytesIO(own_pdf.content)).pages[0].extract_text()
    assert client.get(f"/s/{share['id']}/c/{'0' * 32}.pdf").status_code == 404

    views = client.get(f"/api/v1/wallet/shares/{share['id']}/views", headers=holder.headers)
    assert views.status_code == 200
    kinds = [v["kind"] for v in views.json()["views"]]
    assert sorted(kinds) == ["json", "json", "page", "page", "pdf"]
    clients = {v["client"] for v in views.json()["views"]}
    assert "Chrome on Linux" in clients
    assert not any("testclient" in c or "127.0.0.1" in c for c in clients)
    own_page = client.get("/wallet/shares", headers=holder.headers)
    assert own_page.status_code == 200
    assert "Chrome on Linux" in own_page.text
    assert "Grace Hopper" in own_page.text
    listed = client.get("/api/v1/wallet/shares", headers=holder.headers).json()["shares"]
    assert [s["id"] for s in listed] == [share["id"]]
    assert listed[0]["views"] == 5


def test_revoked_and_withdrawn_links_are_gone(client: TestClient, services: Services) -> None:
    holder, ids, _ = wallet_with_two(services)
    share = create_share(client, holder, ids)
    revoked = client.post(f"/api/v1/wallet/shares/{share['id']}/revoke", headers=holder.headers)
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    page = client.get(f"/s/{share['id']}")
    assert page.status_code == 410
    assert "This share link has been withdrawn" in page.text
    assert "Data Analysis" not in page.text
    gone_json = client.get(f"/s/{share['id']}/credentials.json")
    assert gone_json.status_code == 410
    assert gone_json.headers["content-type"] == "application/problem+json"
    assert gone_json.json()["code"] == "share.revoked"
    assert client.get(f"/s/{share['id']}/c/{ids[0]}.pdf").status_code == 410
    ledger_page = client.get("/wallet/consents", headers=holder.headers)
    assert ledger_page.status_code == 200
    assert "Data Analysis Fundamentals" in ledger_page.text  # names, not ids
    assert "Grace Hopper" in ledger_page.text
    consents = client.get("/api/v1/wallet/consents", headers=holder.headers).json()["consents"]
    assert consents[0]["reference"] == share["id"]
    assert consents[0]["active"] is False

    # the other way round: withdraw the consent, the link goes
    second = create_share(client, holder, ids[:1])
    withdrawn = client.post(
        f"/api/v1/wallet/consents/{second['consent']}/withdraw", headers=holder.headers
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawnAt"]
    assert client.get(f"/s/{second['id']}").status_code == 410
    got = client.get(f"/api/v1/wallet/shares/{second['id']}", headers=holder.headers)
    assert got.json()["state"] == "revoked"


def test_unknown_links_and_bad_input(client: TestClient, services: Services) -> None:
    holder, ids, _ = wallet_with_two(services)
    for bad in ("x", "A" * 32, "%00", "A" * 5000):
        response = client.get(f"/s/{bad}")
        assert response.status_code == 404, bad
        assert "Unknown link" in response.text
    assert client.get("/s/..%2F..%2Fetc").status_code == 404
    assert client.get("/s/" + "A" * 32, headers={"Accept": "application/json"}).status_code == 404
    bodies: list[Any] = [
        {},
        {"credentials": [], "recipient": {"name": "G"}},
        {"credentials": ids, "recipient": {"name": ""}},
        {"credentials": ids, "recipient": {"name": "G", "email": "nope"}},
        {"credentials": ids, "recipient": {"name": "G"}, "expiresAt": "2020-01-01T00:00:00Z"},
        {"credentials": ids, "recipient": {"name": "G"}, "expiresAt": "2099-01-01T00:00:00"},
        {"credentials": ids, "recipient": {"name": "G"}, "expiresAt": "2099-01-01T00:00:00Z"},
        {"credentials": ids, "recipient": {"name": "G"}, "lang": "de"},
        {"credentials": ids, "recipient": {"name": "G"}, "surprise": 1},
        {"credentials": [{"id": 1}], "recipient": {"name": "G"}},
        [1, 2],
    ]
    for body in bodies:
        response = client.post("/api/v1/wallet/shares", json=body, headers=holder.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    unknown = client.post(
        "/api/v1/wallet/shares",
        json={"credentials": ["f" * 32], "recipient": {"name": "G"}},
        headers=holder.headers,
    )
    assert unknown.status_code == 404
    assert client.get("/api/v1/wallet/consents", headers=holder.headers).json() == {"consents": []}


def test_resume_over_http(client: TestClient, services: Services) -> None:
    holder, ids, _ = wallet_with_two(services)
    response = client.post(
        "/api/v1/wallet/resumes",
        json={
            "title": "Data jobs",
            "headline": "Analyst",
            "credentials": ids,
            "entries": [
                {"kind": "skill", "title": "Public speaking"},
                {
                    "kind": "employment",
                    "title": "Analyst",
                    "organization": "Acme",
                    "start": "2021-01",
                },
            ],
        },
        headers=holder.headers,
    )
    assert response.status_code == 201, response.text
    resume = response.json()
    assert validate_ler_rs(resume["lerRs"]) == []
    exported = client.get(
        f"/api/v1/wallet/resumes/{resume['id']}/ler-rs.json", headers=holder.headers
    )
    assert exported.status_code == 200
    assert validate_ler_rs(exported.json()) == []
    assert exported.json() == resume["lerRs"]
    pdf = client.get(f"/api/v1/wallet/resumes/{resume['id']}/resume.pdf", headers=holder.headers)
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    assert json.loads(reader.attachments["resume.json"][0]) == resume["lerRs"]
    vp = client.post(
        f"/api/v1/wallet/resumes/{resume['id']}/presentation",
        json={"challenge": "abc", "domain": "employer.example"},
        headers=holder.headers,
    )
    assert vp.status_code == 200, vp.text
    verified = client.post(
        "/presentations/verify",
        json={
            "verifiablePresentation": vp.json(),
            "options": {"challenge": "abc", "domain": "employer.example"},
        },
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert vp.json()["holder"] == holder.did
    listed = client.get("/api/v1/wallet/resumes", headers=holder.headers).json()["resumes"]
    assert [r["id"] for r in listed] == [resume["id"]]
    bad = [
        {"entries": [{"kind": "hobby", "title": "x"}]},
        {"entries": [{"kind": "skill", "title": ""}]},
        {"entries": [{"kind": "employment", "title": "x", "start": "last year"}]},
        {"credentials": ["f" * 32]},
    ]
    for body in bad:
        response = client.post("/api/v1/wallet/resumes", json=body, headers=holder.headers)
        assert response.status_code in (404, 422), (body, response.text)
    deleted = client.delete(f"/api/v1/wallet/resumes/{resume['id']}", headers=holder.headers)
    assert deleted.status_code == 204
    assert (
        client.get(f"/api/v1/wallet/resumes/{resume['id']}", headers=holder.headers).status_code
        == 404
    )


def test_the_public_page_shows_a_revoked_credential_as_not_valid(
    client: TestClient, services: Services
) -> None:
    org = tenant(services)
    holder = new_holder(services)
    good = issued(services, org, "Still Good")
    bad = issued(services, org, "Revoked Later")
    ids = [keep(services, holder, r.document) for r in (good, bad)]
    share = create_share(client, holder, ids)
    services.issuance.revoke(org.actor, bad.credential_id, "issued by mistake")
    page = client.get(f"/s/{share['id']}")
    assert page.status_code == 200  # the link still works: the credential is what changed
    sections = page.text.split('<section class="credential"')[1:]
    assert 'data-verdict="valid"' in sections[0]
    assert "Still Good" in sections[0]
    assert 'data-verdict="invalid"' in sections[1]
    assert "Revoked Later" in sections[1]
    assert "Not valid" in sections[1]
    assert 'data-status="fail"><strong>Revocation</strong>' in sections[1]


def test_resume_page_form(client: TestClient, services: Services) -> None:
    holder, ids, _ = wallet_with_two(services)
    page = client.get("/wallet/resumes", headers=holder.headers)
    assert page.status_code == 200
    assert page.text.count('name="credential"') == 2
    made = client.post(
        "/wallet/resumes",
        data={
            "title": "Mine",
            "credential": ids[:1],
            "skills": "SQL\nPublic speaking",
            "experience": "Analyst@Acme:2021-01:2023-06",
            "about": "Hello",
        },
        headers=holder.headers,
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    resume_id = made.headers["location"].split("created=")[1]
    resume = client.get(f"/api/v1/wallet/resumes/{resume_id}", headers=holder.headers).json()
    assert validate_ler_rs(resume["lerRs"]) == []
    assert {s["name"] for s in resume["lerRs"]["skills"]} == {"SQL", "Public speaking"}
    assert resume["lerRs"]["employmentHistories"][0]["organization"]["name"] == "Acme"
    bad = client.post(
        "/wallet/resumes",
        data={"experience": "Analyst@Acme:last year"},
        headers=holder.headers,
    )
    assert bad.status_code == 422
    assert "YYYY-MM" in bad.text
