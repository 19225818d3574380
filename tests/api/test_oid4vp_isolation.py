"""OpenID4VP routes: authentication and isolation over EVERY route of the area (the routes
under /api/v1/presentation-requests, /oid4vp, /api/v1/wallet/oid4vp and /wallet/oid4vp come
from ``app.routes``; an unclassified one fails), and malformed input on the public ones.

* organization A never reads another's presentation requests (404, as for unknown ids);
* holder A never reads, answers or declines holder B's requests, and never answers with
  holder B's credentials;
* public endpoints (request objects, QR codes, direct_post, the consent page) refuse
  malformed or unknown input with a 4xx (problem+json for the API ones), never a 500.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_tenants import app_routes
from lerkit.db.models_oid4vp import PresentationRequest
from oid4vp_support import hold, holder_with_did, issue_to, make_request, open_in_wallet
from wallet_support import PASSWORD, new_holder

PREFIXES = ("/api/v1/presentation-requests", "/oid4vp", "/api/v1/wallet/oid4vp", "/wallet/oid4vp")

ORG = {
    ("GET", "/api/v1/presentation-requests"),
    ("POST", "/api/v1/presentation-requests"),
    ("GET", "/api/v1/presentation-requests/templates"),
    ("GET", "/api/v1/presentation-requests/{request_id}"),
}
HOLDER = {
    ("GET", "/api/v1/wallet/oid4vp/requests"),
    ("POST", "/api/v1/wallet/oid4vp/requests"),
    ("GET", "/api/v1/wallet/oid4vp/requests/{request_id}"),
    ("POST", "/api/v1/wallet/oid4vp/requests/{request_id}/respond"),
    ("POST", "/api/v1/wallet/oid4vp/requests/{request_id}/decline"),
}
# Public by design: a wallet fetches the request object and posts its answer with no
# account (the unguessable request id and the signed nonce/state are the capability); the
# consent page is reached with its one-time secret (?k=), checked below.
PUBLIC = {
    ("GET", "/oid4vp/requests/{request_id}"),
    ("GET", "/oid4vp/requests/{request_id}/qr.png"),
    ("GET", "/oid4vp/requests/{request_id}/qr.svg"),
    ("GET", "/oid4vp/requests/{request_id}/page"),
    ("POST", "/oid4vp/responses/{request_id}"),
    ("GET", "/wallet/oid4vp/{request_id}"),
    ("POST", "/wallet/oid4vp/{request_id}"),
}
# Pages for a holder signed in to the wallet (session cookie + CSRF token): 401 otherwise.
PAGES = {
    ("GET", "/wallet/oid4vp"),
    ("POST", "/wallet/oid4vp"),
}


def _mine(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)


def test_every_route_of_the_area_is_classified(app: FastAPI) -> None:
    routes = {r for r in app_routes(app) if _mine(r[1])}
    assert routes == ORG | HOLDER | PUBLIC | PAGES


@pytest.mark.parametrize(("method", "path"), sorted(ORG | HOLDER))
def test_protected_routes_refuse_anonymous_and_wrong_credentials(
    client: TestClient, method: str, path: str, org_a: Tenant
) -> None:
    url = path.replace("{request_id}", "0" * 32)
    body = {"url": "openid4vp://?client_id=x"} if method == "POST" else None
    for headers in ({}, {"Authorization": "Bearer lk_nope"}, {"Authorization": "Bearer lw_nope"}):
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 401, (method, path, headers, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    # an organization's key is not a holder token, and a holder token is not an API key
    other = org_a.headers if path.startswith("/api/v1/wallet") else None
    if other is not None:
        response = client.request(method, url, json=body, headers=other)
        assert response.status_code == 401


def _answered_setup(client: TestClient, org_a: Tenant, org_b: Tenant) -> dict[str, Any]:
    holder_a, did_a = holder_with_did(client)
    holder_b, did_b = holder_with_did(client)
    cred_a = hold(client, holder_a, issue_to(client, org_a.headers, did_a))
    cred_b = hold(client, holder_b, issue_to(client, org_a.headers, did_b))
    request = make_request(client, org_b.headers, template="vc-type", type="OpenBadgeCredential")
    return {
        "holder_a": holder_a,
        "holder_b": holder_b,
        "cred_a": cred_a,
        "cred_b": cred_b,
        "request": request,
    }


def test_organizations_never_see_each_others_requests(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    mine = make_request(client, org_b.headers, template="vc-type", type="OpenBadgeCredential")
    assert (
        client.get(f"/api/v1/presentation-requests/{mine['id']}", headers=org_a.headers).status_code
        == 404
    )
    assert client.get("/api/v1/presentation-requests", headers=org_a.headers).json() == []
    listed = client.get("/api/v1/presentation-requests", headers=org_b.headers).json()
    assert [r["id"] for r in listed] == [mine["id"]]


def test_holders_never_see_or_answer_each_others_requests(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    s = _answered_setup(client, org_a, org_b)
    opened_b = open_in_wallet(client, s["holder_b"], s["request"]["link"])
    # B's wallet offers only B's credential
    assert [m["credential"] for m in opened_b["matches"]["ldp"]] == [s["cred_b"]]
    rid = opened_b["id"]
    a = s["holder_a"]
    assert client.get(f"/api/v1/wallet/oid4vp/requests/{rid}", headers=a).status_code == 404
    assert client.get("/api/v1/wallet/oid4vp/requests", headers=a).json() == []
    assert (
        client.post(f"/api/v1/wallet/oid4vp/requests/{rid}/respond", headers=a).status_code == 404
    )
    assert (
        client.post(f"/api/v1/wallet/oid4vp/requests/{rid}/decline", headers=a).status_code == 404
    )
    # A opens the same link: A cannot answer with B's credential
    opened_a = open_in_wallet(client, a, s["request"]["link"])
    assert [m["credential"] for m in opened_a["matches"]["ldp"]] == [s["cred_a"]]
    stolen = client.post(
        f"/api/v1/wallet/oid4vp/requests/{opened_a['id']}/respond",
        json={"choices": {"ldp": [s["cred_b"]]}},
        headers=a,
    )
    assert stolen.status_code == 422
    assert stolen.json()["code"] == "vp.no_match"
    # B's request is untouched, and still answerable by B
    assert (
        client.get(f"/api/v1/wallet/oid4vp/requests/{rid}", headers=s["holder_b"]).json()["status"]
        == "pending"
    )


def test_the_consent_page_needs_its_secret(
    client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    s = _answered_setup(client, org_a, org_b)
    opened = open_in_wallet(client, s["holder_b"], s["request"]["link"])
    url = opened["consentUrl"].removeprefix("https://lerkit.test")
    assert client.get(url).status_code == 200
    path = url.split("?")[0]
    for query in ("", "?k=", "?k=wrong", f"?k={'x' * 100}"):
        page = client.get(path + query)
        assert page.status_code == 401, query
        assert "not valid" in page.text
    posted = client.post(path, data={"k": "wrong", "action": "share"})
    assert posted.status_code == 401
    # another request's secret does not open this one
    other = open_in_wallet(client, s["holder_a"], s["request"]["link"])
    secret = other["consentUrl"].split("k=")[1]
    assert client.get(f"{path}?k={secret}").status_code == 401
    assert client.post(path, data={"k": secret, "action": "decline"}).status_code == 401
    assert (
        client.get(f"/api/v1/wallet/oid4vp/requests/{opened['id']}", headers=s["holder_b"]).json()[
            "status"
        ]
        == "pending"
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"vp_token": {}})),
        ("application/x-www-form-urlencoded", ""),
        ("application/x-www-form-urlencoded", "state=nope&vp_token=%7B%7D"),
        ("application/x-www-form-urlencoded", "vp_token=not-json&state=x"),
        ("text/plain", "\x00\xff"),
    ],
)
def test_direct_post_refuses_malformed_input(
    client: TestClient, org_a: Tenant, content_type: str, body: str
) -> None:
    request = make_request(client, org_a.headers, template="vc-type", type="OpenBadgeCredential")
    response = client.post(
        f"/oid4vp/responses/{request['id']}", content=body, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"].startswith("vp.")
    # malformed input does not use the request up
    view = client.get(f"/api/v1/presentation-requests/{request['id']}", headers=org_a.headers)
    assert view.json()["status"] == "pending"


def test_direct_post_with_the_right_state_but_a_bad_token_rejects_the_request(
    client: TestClient, org_a: Tenant, services: Any
) -> None:
    request = make_request(client, org_a.headers, template="vc-type", type="OpenBadgeCredential")
    with services.database.session() as session:
        state = session.query(PresentationRequest).one().state
    response = client.post(
        f"/oid4vp/responses/{request['id']}",
        data={
            "state": state,
            "vp_token": json.dumps({"ldp": [{"type": "VerifiablePresentation"}]}),
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "vp.presentation_invalid"
    view = client.get(
        f"/api/v1/presentation-requests/{request['id']}", headers=org_a.headers
    ).json()
    assert view["status"] == "rejected"
    assert view["error"]["code"] == "vp.presentation_invalid"
    assert len(view["reports"]) == 1
    assert view["reports"][0]["verified"] is False
    again = client.post(
        f"/oid4vp/responses/{request['id']}", data={"state": state, "vp_token": "{}"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "vp.request_used"


@pytest.mark.parametrize(
    "path",
    [
        "/oid4vp/requests/unknown",
        "/oid4vp/requests/unknown/qr.png",
        "/oid4vp/requests/unknown/qr.svg",
        "/oid4vp/requests/unknown/page",
        f"/oid4vp/requests/{'f' * 500}",
    ],
)
def test_unknown_requests_are_404_problems(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://example.org/not-a-request",
        "openid4vp://?client_id=x",
        "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fa.example&response_type=vp_token",
        "openid4vp://?request_uri=https%3A%2F%2F127.0.0.1%2Fr&client_id=decentralized_identifier%3Adid%3Akey%3Ax",
        "javascript:alert(1)",
        "openid4vp://?client_id=a&client_id=b",
    ],
)
def test_the_wallet_refuses_bad_request_links(client: TestClient, url: str) -> None:
    holder, _did = holder_with_did(client)
    response = client.post("/api/v1/wallet/oid4vp/requests", json={"url": url}, headers=holder)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in {
        "vp.request_invalid",
        "vp.verifier_unreachable",
        "request.invalid",
    }


@pytest.mark.parametrize(("method", "path"), sorted(PAGES))
def test_the_wallet_pages_need_a_session(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, data={"url": "openid4vp://?client_id=x"})
    assert response.status_code == 401
    assert "/wallet/signin" in response.text


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _signed_in_client(app: FastAPI) -> tuple[TestClient, dict[str, str]]:
    # the session cookie is Secure (the public URL is https)
    browser = TestClient(app, raise_server_exceptions=False, base_url="https://lerkit.test")
    email = f"page-{uuid.uuid4().hex[:10]}@example.org"
    headers, _ = new_holder(browser, email=email)
    signed = browser.post(
        "/wallet/signin", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert signed.status_code == 303, signed.text
    return browser, headers


def test_a_signed_in_holder_pastes_a_link_and_answers_on_the_page(
    app: FastAPI, client: TestClient, org_a: Tenant, org_b: Tenant
) -> None:
    browser, headers = _signed_in_client(app)
    did = browser.get("/api/v1/wallet/me", headers=headers).json()["did"]
    hold(browser, headers, issue_to(client, org_a.headers, did))
    request = make_request(client, org_b.headers, template="vc-type", type="OpenBadgeCredential")
    page = browser.get("/wallet/oid4vp")
    assert page.status_code == 200
    csrf = _csrf(page.text)
    no_csrf = browser.post("/wallet/oid4vp", data={"url": request["link"]})
    assert no_csrf.status_code == 401
    bad = browser.post("/wallet/oid4vp", data={"url": "nonsense", "csrf_token": csrf})
    assert bad.status_code == 422
    assert 'id="error"' in bad.text
    opened = browser.post(
        "/wallet/oid4vp",
        data={"url": request["link"], "csrf_token": csrf},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    consent_path = opened.headers["location"]
    consent = browser.get(consent_path)
    assert consent.status_code == 200
    assert "Organization ORG-B" in consent.text
    # another signed-in holder cannot open it; nor can anyone without a session
    other, _ = _signed_in_client(app)
    assert other.get(consent_path).status_code == 401
    assert client.get(consent_path).status_code == 401
    assert (
        other.post(
            consent_path,
            data={"action": "share", "csrf_token": _csrf(other.get("/wallet/oid4vp").text)},
        ).status_code
        == 401
    )
    # the form must carry the session's CSRF token
    forged = browser.post(consent_path, data={"action": "share"})
    assert forged.status_code == 401
    shared = browser.post(consent_path, data={"action": "share", "csrf_token": _csrf(consent.text)})
    assert shared.status_code == 200, shared.text
    assert 'data-status="shared"' in shared.text
    view = client.get(f"/api/v1/presentation-requests/{request['id']}", headers=org_b.headers)
    assert view.json()["status"] == "verified"
