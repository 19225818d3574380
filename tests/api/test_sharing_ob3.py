"""The Open Badges 3.0 REST API as a host, driven as a third-party issuer drives it:
discovery → dynamic registration → authorization with PKCE S256 on the consent page (form
posts) → token → upsertCredential 201 then 200 → getCredentials with paging → profile
get/put; wrong scope 403; another holder's token never sees this holder's credentials."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.conftest import PUBLIC_URL
from lerkit.bootstrap import Services
from lerkit.db.models_sharing import OAuthClient, OAuthCode, OAuthGrant
from lerkit.services.wallet.ob3host import (
    SCOPE_PROFILE_READ,
    SCOPE_PROFILE_UPDATE,
    SCOPE_READ,
    SCOPE_UPSERT,
)
from sharing_support import PASSWORD, WalletHolder, issued, new_holder, tenant

ALL = f"{SCOPE_READ} {SCOPE_UPSERT} {SCOPE_PROFILE_READ} {SCOPE_PROFILE_UPDATE} offline_access"
REDIRECT = "https://issuer.example/callback"
CLIENT = {
    "client_name": "Example Issuer",
    "client_uri": "https://issuer.example/",
    "logo_uri": "https://issuer.example/logo.png",
    "tos_uri": "https://issuer.example/tos",
    "policy_uri": "https://issuer.example/privacy",
    "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
    "software_version": "1.0",
    "redirect_uris": [REDIRECT],
    "scope": ALL,
    "token_endpoint_auth_method": "client_secret_basic",
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def register(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post("/oauth/register", json={**CLIENT, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def authorize(
    client: TestClient,
    registered: dict[str, Any],
    holder: WalletHolder,
    scope: str = ALL,
    **override: str,
) -> tuple[str, str]:
    """Open the consent page, sign in and allow; (code, verifier)."""
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "s-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **override,
    }
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    assert "Example Issuer" in page.text
    assert "Read your Open Badges credentials" in page.text
    answer = client.post(
        "/oauth/authorize",
        data={**params, "email": holder.email, "password": PASSWORD, "decision": "allow"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s-42"]
    return query["code"][0], verifier


def tokens(
    client: TestClient, registered: dict[str, Any], code: str, verifier: str
) -> dict[str, Any]:
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        headers=basic(registered["client_id"], registered["client_secret"]),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def imsx(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def test_discovery_document(client: TestClient) -> None:
    response = client.get("/ims/ob/v3p0/discovery")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.0")
    assert doc["info"]["x-imssf-privacyPolicyUrl"].startswith(PUBLIC_URL)
    scheme = doc["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == f"{PUBLIC_URL}/oauth/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == f"{PUBLIC_URL}/oauth/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == f"{PUBLIC_URL}/oauth/token"
    assert {SCOPE_READ, SCOPE_UPSERT, SCOPE_PROFILE_READ, SCOPE_PROFILE_UPDATE} <= set(
        flow["scopes"]
    )
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert {"getCredentials", "upsertCredential", "getProfile", "putProfile"} <= ops


def test_the_whole_flow_as_a_third_party_issuer(client: TestClient, services: Services) -> None:
    holder = new_holder(services)
    other = new_holder(services, "Eve")
    org = tenant(services)
    registered = register(client)
    assert registered["client_secret_expires_at"] == 0
    assert registered["redirect_uris"] == [REDIRECT]

    code, verifier = authorize(client, registered, holder)
    grant = tokens(client, registered, code, verifier)
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 3600
    access = grant["access_token"]

    # upsert: 201 created, then the same credential id again: 200
    first = issued(services, org, "Badge One")
    response = client.post(
        "/ims/ob/v3p0/credentials",
        content=first.document,
        headers={**bearer(access), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["id"] == json.loads(first.document)["id"]
    again = client.post(
        "/ims/ob/v3p0/credentials",
        content=first.document,
        headers={**bearer(access), "Content-Type": "application/json"},
    )
    assert again.status_code == 200, again.text
    # a compact JWS credential as text/plain
    jws = services.issuance.issue(
        org.actor,
        services.achievements.create(
            org.actor,
            {"name": "JWT badge", "description": "d", "criteria": {"narrative": "n"}},
        ).public_id,
        "ada@example.org",
        format="vc-jwt",
    )
    response = client.post(
        "/ims/ob/v3p0/credentials",
        content=jws.document,
        headers={**bearer(access), "Content-Type": "text/plain"},
    )
    assert response.status_code == 201, response.text
    assert response.text == jws.document
    for name in ("Badge Two", "Badge Three"):
        response = client.post(
            "/ims/ob/v3p0/credentials",
            json=json.loads(issued(services, org, name).document),
            headers=bearer(access),
        )
        assert response.status_code == 201, response.text

    # paging: 4 credentials, 2 per page
    page = client.get("/ims/ob/v3p0/credentials?limit=2&offset=0", headers=bearer(access))
    assert page.status_code == 200, page.text
    assert page.headers["X-Total-Count"] == "4"
    links = page.headers["Link"]
    assert 'rel="next"' in links
    assert 'rel="last"' in links
    assert 'rel="first"' in links
    assert 'rel="prev"' not in links
    body = page.json()
    assert len(body["credential"]) + len(body["compactJwsString"]) == 2
    assert body["credential"][0] == json.loads(first.document)  # data preserved
    last = client.get("/ims/ob/v3p0/credentials?limit=2&offset=2", headers=bearer(access))
    assert 'rel="prev"' in last.headers["Link"]
    assert 'rel="next"' not in last.headers["Link"]
    seen = last.json()
    assert len(seen["credential"]) == 2
    assert seen["compactJwsString"] == []
    for since, count in (("2000-01-01T00:00:00Z", "4"), ("2999-01-01T00:00:00Z", "0")):
        found = client.get(f"/ims/ob/v3p0/credentials?since={since}", headers=bearer(access))
        assert found.headers["X-Total-Count"] == count
    everything = client.get("/ims/ob/v3p0/credentials", headers=bearer(access)).json()
    assert everything["compactJwsString"] == [jws.document]
    # every returned credential verifies
    for credential in everything["credential"]:
        assert services.verifier().verify_credential(credential).verified

    # profile
    profile = client.get("/ims/ob/v3p0/profile", headers=bearer(access))
    assert profile.status_code == 200
    assert profile.json()["id"] == holder.did
    assert profile.json()["name"] == "Ada Lovelace"
    new_profile = {
        "@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": holder.did,
        "type": "Profile",
        "name": "Ada King",
        "email": "ada@example.org",
    }
    put = client.put("/ims/ob/v3p0/profile", json=new_profile, headers=bearer(access))
    assert put.status_code == 200
    assert put.json() == new_profile
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(access)).json() == new_profile
    imsx(client.put("/ims/ob/v3p0/profile", json={"name": "x"}, headers=bearer(access)), 400)
    imsx(client.put("/ims/ob/v3p0/profile", content=b"{", headers=bearer(access)), 400)

    # another holder's token never sees this holder's credentials
    code2, verifier2 = authorize(client, registered, other)
    other_access = tokens(client, registered, code2, verifier2)["access_token"]
    theirs = client.get("/ims/ob/v3p0/credentials", headers=bearer(other_access))
    assert theirs.status_code == 200
    assert theirs.json() == {"credential": [], "compactJwsString": []}
    assert theirs.headers["X-Total-Count"] == "0"
    assert client.get("/ims/ob/v3p0/profile", headers=bearer(other_access)).json()["name"] == "Eve"

    # refresh rotates; the old refresh token and access token stop working
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]},
        headers=basic(registered["client_id"], registered["client_secret"]),
    )
    assert refreshed.status_code == 200, refreshed.text
    new_access = refreshed.json()["access_token"]
    imsx(client.get("/ims/ob/v3p0/credentials", headers=bearer(access)), 401)
    assert client.get("/ims/ob/v3p0/credentials", headers=bearer(new_access)).status_code == 200
    reused = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]},
        headers=basic(registered["client_id"], registered["client_secret"]),
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"

    # revocation (RFC 7009)
    revoked = client.post(
        "/oauth/revoke",
        data={"token": new_access},
        headers=basic(registered["client_id"], registered["client_secret"]),
    )
    assert revoked.status_code == 200
    imsx(client.get("/ims/ob/v3p0/credentials", headers=bearer(new_access)), 401)

    # the authorization is in the holder's consent ledger; withdrawing it stops the tokens
    ledger = client.get("/api/v1/wallet/consents", headers=holder.headers).json()["consents"]
    (entry,) = [e for e in ledger if e["kind"] == "ob3_api"]
    assert entry["ongoing"]
    assert "Example Issuer" in entry["recipient"]
    code3, verifier3 = authorize(client, registered, holder)
    fresh = tokens(client, registered, code3, verifier3)["access_token"]
    ledger = client.get("/api/v1/wallet/consents", headers=holder.headers).json()["consents"]
    for e in ledger:
        if e["kind"] == "ob3_api" and e["active"]:
            withdrawn = client.post(
                f"/api/v1/wallet/consents/{e['id']}/withdraw", headers=holder.headers
            )
            assert withdrawn.status_code == 200
            assert withdrawn.json()["active"] is False
    imsx(client.get("/ims/ob/v3p0/credentials", headers=bearer(fresh)), 401)

    # secrets are stored hashed
    with services.database.session() as session:
        stored = session.query(OAuthClient).one()
        assert registered["client_secret"] not in json.dumps(stored.metadata_)
        assert (
            stored.secret_hash == hashlib.sha256(registered["client_secret"].encode()).hexdigest()
        )
        for row in session.query(OAuthGrant):
            assert row.access_hash != fresh
            assert len(row.access_hash) == 64
        for code_row in session.query(OAuthCode):
            assert code_row.code_hash not in (code, code2, code3)


def test_scopes_are_enforced(client: TestClient, services: Services) -> None:
    holder = new_holder(services)
    registered = register(client)
    code, verifier = authorize(client, registered, holder, scope=SCOPE_READ)
    access = tokens(client, registered, code, verifier)["access_token"]
    assert client.get("/ims/ob/v3p0/credentials", headers=bearer(access)).status_code == 200
    imsx(client.post("/ims/ob/v3p0/credentials", json={}, headers=bearer(access)), 403)
    imsx(client.get("/ims/ob/v3p0/profile", headers=bearer(access)), 403)
    imsx(client.put("/ims/ob/v3p0/profile", json={}, headers=bearer(access)), 403)
    # no token, a wrong token
    imsx(client.get("/ims/ob/v3p0/credentials"), 401)
    imsx(client.get("/ims/ob/v3p0/credentials", headers=bearer("nope")), 401)
    for query in (
        "limit=0",
        "limit=abc",
        "offset=-1",
        "limit=1001",
        "since=yesterday",
        "since=2026-01-01T00:00:00",
    ):
        response = client.get(f"/ims/ob/v3p0/credentials?{query}", headers=bearer(access))
        imsx(response, 400)
        assert (
            response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
            == "invalid_query_parameter"
        )
    since = client.get(
        "/ims/ob/v3p0/credentials?since=2000-01-01T00:00:00Z", headers=bearer(access)
    )
    assert since.status_code == 200
    assert since.headers["X-Total-Count"] == "0"
    imsx(client.get("/ims/ob/v3p0/profile", headers={"Authorization": "Basic eDp5"}), 401)


def test_bad_upserts_are_refused(client: TestClient, services: Services) -> None:
    holder = new_holder(services)
    registered = register(client)
    code, verifier = authorize(client, registered, holder)
    access = tokens(client, registered, code, verifier)["access_token"]
    for content, media in (
        (b"{", "application/json"),
        (b"[]", "application/json"),
        (b"\xff\xfe", "text/plain"),
        (b"not a jws", "text/plain"),
        (
            json.dumps({"type": ["VerifiableCredential"], "id": "urn:x"}).encode(),
            "application/json",
        ),
    ):
        response = client.post(
            "/ims/ob/v3p0/credentials",
            content=content,
            headers={**bearer(access), "Content-Type": media},
        )
        imsx(response, 400)
    # a tampered credential does not verify: refused, nothing kept
    org = tenant(services)
    document = json.loads(issued(services, org).document)
    document["name"] = "Forged"
    imsx(client.post("/ims/ob/v3p0/credentials", json=document, headers=bearer(access)), 400)
    listing = client.get("/ims/ob/v3p0/credentials", headers=bearer(access))
    assert listing.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_name": ""}, "invalid_client_metadata"),
        ({"redirect_uris": ["http://issuer.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://elsewhere.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"scope": "https://example.org/other"}, "invalid_client_metadata"),
        ({"tos_uri": "javascript:alert(1)"}, "invalid_client_metadata"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
    ],
)
def test_registration_refuses_bad_metadata(
    client: TestClient, change: dict[str, Any], error: str
) -> None:
    response = client.post("/oauth/register", json={**CLIENT, **change})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error


def test_registration_refuses_non_json(client: TestClient) -> None:
    for body in (b"{", b"[]", b"\xff"):
        response = client.post(
            "/oauth/register", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client_metadata"


def test_authorization_refusals(client: TestClient, services: Services) -> None:
    holder = new_holder(services)
    registered = register(client)
    verifier, challenge = pkce()
    good = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": REDIRECT,
        "scope": SCOPE_READ,
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    # wrong client or redirect URI: an error page, never a redirect there
    for bad in ({"client_id": "unknown"}, {"redirect_uri": "https://issuer.example/other"}):
        response = client.get("/oauth/authorize", params={**good, **bad}, follow_redirects=False)
        assert response.status_code == 400
        assert "location" not in response.headers
    # no PKCE, plain PKCE, bad scope, no state: back to the client with an error
    for bad, error in (
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "https://example.org/admin"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ):
        response = client.get("/oauth/authorize", params={**good, **bad}, follow_redirects=False)
        assert response.status_code == 303, (bad, response.text)
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == [error]
        assert query["state"] == ["st"]
    response = client.get("/oauth/authorize", params={**good, "state": ""}, follow_redirects=False)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["invalid_request"]
    # wrong password: the page again, 401, no code
    response = client.post(
        "/oauth/authorize",
        data={**good, "email": holder.email, "password": "wrong password!", "decision": "allow"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "location" not in response.headers
    # the holder denies
    response = client.post(
        "/oauth/authorize",
        data={**good, "email": holder.email, "password": PASSWORD, "decision": "deny"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["access_denied"]

    # token endpoint: wrong verifier, wrong redirect URI, reused code, bad client auth
    code, verifier = authorize(client, registered, holder, scope=SCOPE_READ)
    auth = basic(registered["client_id"], registered["client_secret"])
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    for bad in (
        {"code_verifier": pkce()[0]},
        {"code_verifier": verifier, "redirect_uri": "https://issuer.example/other"},
        {},
    ):
        response = client.post("/oauth/token", data={**form, **bad}, headers=auth)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    assert (
        client.post(
            "/oauth/token",
            data={**form, "code_verifier": verifier},
            headers=basic(registered["client_id"], "wrong"),
        ).status_code
        == 401
    )
    first = client.post("/oauth/token", data={**form, "code_verifier": verifier}, headers=auth)
    assert first.status_code == 200
    access = first.json()["access_token"]
    replay = client.post("/oauth/token", data={**form, "code_verifier": verifier}, headers=auth)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # the replay revoked what the code gave
    imsx(client.get("/ims/ob/v3p0/credentials", headers=bearer(access)), 401)
    # a code for one client is useless to another
    other = register(client, client_name="Other Issuer")
    code, verifier = authorize(client, registered, holder, scope=SCOPE_READ)
    response = client.post(
        "/oauth/token",
        data={**form, "code": code, "code_verifier": verifier},
        headers=basic(other["client_id"], other["client_secret"]),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    for grant_type in ("password", "client_credentials", ""):
        response = client.post("/oauth/token", data={"grant_type": grant_type}, headers=auth)
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"
    assert client.post("/oauth/token", data={"grant_type": "refresh_token"}).status_code == 401
    assert client.post("/oauth/revoke", data={"token": "x"}).status_code == 401
    assert client.post("/oauth/revoke", data={"token": "unknown"}, headers=auth).status_code == 200


def test_the_wallet_session_answers_only_with_its_csrf_token(
    client: TestClient, services: Services
) -> None:
    import re

    from lerkit.db.models_wallet import Holder

    holder = new_holder(services)
    registered = register(client)
    assert services.wallet is not None
    with services.database.session() as session:
        row = session.get(Holder, holder.holder_id)
        assert row is not None
        cookie = services.wallet.signin.open_session(session, row).cookie
    client.cookies.set("lerkit_wallet", cookie)
    _, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": REDIRECT,
        "scope": SCOPE_READ,
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = client.get("/oauth/authorize", params=params)
    assert page.status_code == 200
    assert "Signed in to your wallet as Ada Lovelace" in page.text
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None
    for csrf in ("", "0" * len(found[1])):  # a cross-site form cannot know the token
        response = client.post(
            "/oauth/authorize",
            data={**params, "decision": "allow", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 401
        assert "location" not in response.headers
    response = client.post(
        "/oauth/authorize",
        data={**params, "decision": "allow", "csrf_token": found[1]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["code"]
