"""Authentication and holder isolation over EVERY route of the sharing area (share links,
consent ledger, résumés, the OB 3.0 host API and its OAuth).

The routes come from ``app.routes``; each route under the prefixes ``tests/api/test_tenants.py``
assigns to this module must be classified below (public by design, holder-protected, or
OB 3.0 bearer-protected), so that no endpoint escapes these tests.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.test_tenants import app_routes, covered_elsewhere
from lerkit.bootstrap import Services
from sharing_support import issued, keep, new_holder, tenant

MODULE = "api/test_sharing_isolation.py"

# Public by design, and why.
PUBLIC = {
    # the share id in the path is the capability (192 random bits); 410 once revoked/expired
    ("GET", "/s/{share_id}"),
    ("GET", "/s/{share_id}/credentials.json"),
    ("GET", "/s/{share_id}/c/{credential_id}.pdf"),
    # the OB 3.0 service description document is unprotected (OB 3.0 §6)
    ("GET", "/ims/ob/v3p0/discovery"),
    # dynamic client registration needs no initial access token (1EdTech security framework)
    ("POST", "/oauth/register"),
    # the authorization page: the holder signs in on it (email + password in the form)
    ("GET", "/oauth/authorize"),
    ("POST", "/oauth/authorize"),
    # client authentication (HTTP Basic with the registered secret), tested in test_sharing_ob3
    ("POST", "/oauth/token"),
    ("POST", "/oauth/revoke"),
}

# OB 3.0 resources: an OAuth bearer token with the route's scope (401/403 as Imsx_StatusInfo).
OB3_BEARER = {
    ("GET", "/ims/ob/v3p0/credentials"),
    ("POST", "/ims/ob/v3p0/credentials"),
    ("GET", "/ims/ob/v3p0/profile"),
    ("PUT", "/ims/ob/v3p0/profile"),
}

# Holder routes -> a body valid enough to reach the lookup of the holder's object.
HOLDER: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/wallet/shares"): {
        "credentials": ["{credential_id}"],
        "recipient": {"name": "Mallory"},
    },
    ("GET", "/api/v1/wallet/shares"): None,
    ("GET", "/api/v1/wallet/shares/{share_id}"): None,
    ("GET", "/api/v1/wallet/shares/{share_id}/views"): None,
    ("POST", "/api/v1/wallet/shares/{share_id}/revoke"): None,
    (
        "GET",
        "/api/v1/wallet/shares/{share_id}/credentials/{credential_id}/credential.pdf",
    ): None,
    ("GET", "/api/v1/wallet/consents"): None,
    ("GET", "/api/v1/wallet/consents/{consent_id}"): None,
    ("POST", "/api/v1/wallet/consents/{consent_id}/withdraw"): None,
    ("POST", "/api/v1/wallet/resumes"): {"credentials": ["{credential_id}"]},
    ("GET", "/api/v1/wallet/resumes"): None,
    ("GET", "/api/v1/wallet/resumes/{resume_id}"): None,
    ("DELETE", "/api/v1/wallet/resumes/{resume_id}"): None,
    ("GET", "/api/v1/wallet/resumes/{resume_id}/ler-rs.json"): None,
    ("GET", "/api/v1/wallet/resumes/{resume_id}/resume.pdf"): None,
    ("POST", "/api/v1/wallet/resumes/{resume_id}/presentation"): {},
    ("GET", "/wallet/shares"): None,
    ("POST", "/wallet/shares"): None,
    ("POST", "/wallet/shares/{share_id}/revoke"): None,
    ("GET", "/wallet/consents"): None,
    ("POST", "/wallet/consents/{consent_id}/withdraw"): None,
    ("GET", "/wallet/resumes"): None,
    ("POST", "/wallet/resumes"): None,
}

# Listing routes answer 200 to anyone signed in, with only the caller's own rows.
LISTS = {
    ("GET", "/api/v1/wallet/shares"),
    ("GET", "/api/v1/wallet/consents"),
    ("GET", "/api/v1/wallet/resumes"),
    ("GET", "/wallet/shares"),
    ("GET", "/wallet/consents"),
    ("GET", "/wallet/resumes"),
}


def mine(app: FastAPI) -> set[tuple[str, str]]:
    return {r for r in app_routes(app) if covered_elsewhere(r[1]) == MODULE}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = mine(app)
    known = PUBLIC | OB3_BEARER | HOLDER.keys()
    assert routes - known == set(), f"classify these routes in {__file__}"
    assert known - routes == set(), "these routes no longer exist"


def test_holder_routes_need_a_holder(app: FastAPI, client: TestClient) -> None:
    ids = {k: "x" for k in ("share_id", "credential_id", "consent_id", "resume_id")}
    for method, template in sorted(HOLDER):
        path = _fill(template, ids)
        body = _fill(HOLDER[(method, template)], ids)
        for headers in ({}, {"Authorization": "Bearer lw_nope"}, {"Authorization": "Basic eDp5"}):
            response = client.request(
                method, path, json=body, headers=headers, follow_redirects=False
            )
            if method == "GET" and template.startswith("/wallet/"):
                # a page: the browser is sent to sign in, and comes back after
                assert response.status_code == 303, (template, response.text)
                assert response.headers["location"] == "/wallet/signin?next=" + quote(
                    template, safe=""
                )
                continue
            assert response.status_code == 401, (method, template, headers, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_ob3_resources_need_a_token(client: TestClient) -> None:
    for method, path in sorted(OB3_BEARER):
        for headers in ({}, {"Authorization": "Bearer nope"}):
            response = client.request(method, path, json={}, headers=headers)
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["imsx_codeMajor"] == "failure"


def test_public_routes_answer_without_credentials(client: TestClient) -> None:
    assert client.get("/ims/ob/v3p0/discovery").status_code == 200
    assert client.get("/s/" + "A" * 32).status_code == 404
    assert client.get("/s/" + "A" * 32 + "/credentials.json").status_code == 404
    assert client.get("/oauth/authorize").status_code == 400  # unknown client: an error page
    assert client.post("/oauth/token", data={}).status_code == 401
    assert client.post("/oauth/revoke", data={}).status_code == 401


def test_a_holder_never_sees_or_changes_another_holders_data(
    app: FastAPI, client: TestClient, services: Services
) -> None:
    org = tenant(services)
    alice = new_holder(services, "Alice")
    mallory = new_holder(services, "Mallory")
    credential = keep(services, alice, issued(services, org).document)
    share = client.post(
        "/api/v1/wallet/shares",
        json={"credentials": [credential], "recipient": {"name": "Bob"}},
        headers=alice.headers,
    ).json()
    resume = client.post(
        "/api/v1/wallet/resumes", json={"credentials": [credential]}, headers=alice.headers
    ).json()
    ids = {
        "share_id": share["id"],
        "credential_id": credential,
        "consent_id": share["consent"],
        "resume_id": resume["id"],
    }
    for method, template in sorted(HOLDER):
        path = _fill(template, ids)
        body = _fill(HOLDER[(method, template)], ids)
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        if template == "/wallet/shares" and method == "POST":
            kwargs = {"data": {"recipient_name": "M", "credential": credential}}
        if template == "/wallet/resumes" and method == "POST":
            kwargs = {"data": {"title": "stolen", "credential": credential}}
        response = client.request(method, path, headers=mallory.headers, **kwargs)
        if (method, template) in LISTS:
            assert response.status_code == 200, (method, template, response.text)
            assert share["id"] not in response.text
            assert resume["id"] not in response.text
            assert share["consent"] not in response.text
            assert credential not in response.text
        else:
            assert response.status_code in (404, 422), (method, template, response.text)
    # nothing of Alice's changed
    assert client.get(f"/s/{share['id']}").status_code == 200
    again = client.get(f"/api/v1/wallet/shares/{share['id']}", headers=alice.headers).json()
    assert again["state"] == "active"
    consent = client.get(f"/api/v1/wallet/consents/{share['consent']}", headers=alice.headers)
    assert consent.json()["active"] is True
    got = client.get(f"/api/v1/wallet/resumes/{resume['id']}", headers=alice.headers)
    assert got.status_code == 200
    assert client.get("/api/v1/wallet/shares", headers=mallory.headers).json() == {"shares": []}
