"""Wallet pages and web sessions (SQLite and PostgreSQL): sign up and sign in through
forms, the session cookie's attributes, CSRF on every unsafe cookie request (not on
bearer-token requests), TOTP at sign-in, sign-out, EN/FR, receiving a file."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Tenant
from api.test_wallet_api import issued
from lerkit.bootstrap import Services
from wallet_support import PASSWORD, new_holder

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def browser(app: FastAPI, services: Services) -> Iterator[TestClient]:
    """A client on https (the session cookie is Secure) that does not follow redirects."""
    with TestClient(
        app, base_url="https://lerkit.test", raise_server_exceptions=False, follow_redirects=False
    ) as test_client:
        services.wallet.http.use_client(test_client)
        yield test_client
        services.wallet.http.use_client(None)


def sign_up(browser: TestClient, email: str = "web@example.org", lang: str = "en") -> str:
    response = browser.post(
        "/wallet/signup",
        data={"email": email, "password": PASSWORD, "display_name": "Web", "lang": lang},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/wallet"
    cookie = response.headers["set-cookie"]
    assert "lerkit_wallet=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    page = browser.get("/wallet")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None
    return found[1]


def test_signed_out_pages_redirect_to_signin(browser: TestClient) -> None:
    for path in ("/wallet", "/wallet/receive", "/wallet/credentials/abc"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/wallet/signin?next=")
    assert browser.get("/wallet/signin").status_code == 200
    assert browser.get("/wallet/signup").status_code == 200


def test_signup_session_and_csrf(browser: TestClient, org_a: Tenant) -> None:
    csrf = sign_up(browser)
    assert "web@example.org" not in browser.cookies.get("lerkit_wallet", "")
    # the API answers the cookie too: reads need nothing more
    me = browser.get("/api/v1/wallet/me")
    assert me.status_code == 200
    assert me.json()["email"] == "web@example.org"
    # a change without the CSRF token is refused, with it accepted
    body = {"kind": "skill", "title": "SQL"}
    refused = browser.post("/api/v1/wallet/entries", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "wallet.csrf_failed"
    wrong = browser.post("/api/v1/wallet/entries", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    done = browser.post("/api/v1/wallet/entries", json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 201
    # form posts carry it as a field
    credential = issued(browser, org_a)["credential"]
    no_token = browser.post(
        "/wallet/receive/file",
        files={"file": ("c.json", json.dumps(credential).encode(), "application/json")},
    )
    assert no_token.status_code == 403
    received = browser.post(
        "/wallet/receive/file",
        files={"file": ("c.json", json.dumps(credential).encode(), "application/json")},
        data={"csrf_token": csrf},
    )
    assert received.status_code == 303, received.text
    detail = browser.get(received.headers["location"])
    assert detail.status_code == 200
    assert "Verified" in detail.text
    listing = browser.get("/wallet", params={"q": credential["name"].split()[0]})
    assert detail.request.url.path.split("/")[-1] in listing.text
    # a bearer token needs no CSRF token (and no cookie)
    headers, _ = new_holder(browser)
    bare = TestClient(browser.app, base_url="https://lerkit.test")
    assert bare.post("/api/v1/wallet/entries", json=body, headers=headers).status_code == 201
    # sign out: the session is gone server-side
    cookie = browser.cookies.get("lerkit_wallet")
    out = browser.post("/wallet/signout", data={"csrf_token": csrf})
    assert out.status_code == 303
    stale = TestClient(
        browser.app, base_url="https://lerkit.test", cookies={"lerkit_wallet": cookie}
    )
    assert stale.get("/api/v1/wallet/me").status_code == 401


def test_signin_with_totp_and_french(browser: TestClient) -> None:
    headers, _ = new_holder(browser, email="fr@example.org")
    enrol = browser.post("/api/v1/wallet/totp", headers=headers).json()
    secret = base64.b32decode(enrol["secret"] + "=" * (-len(enrol["secret"]) % 8))
    totp = TOTP(secret, 6, SHA1(), 30)
    now = time.time()
    browser.post(
        "/api/v1/wallet/totp/confirm", json={"code": totp.generate(now).decode()}, headers=headers
    )
    wrong = browser.post(
        "/wallet/signin", data={"email": "fr@example.org", "password": "nope nope nope"}
    )
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    need = browser.post("/wallet/signin", data={"email": "fr@example.org", "password": PASSWORD})
    assert need.status_code == 401
    assert 'id="code"' in need.text
    assert "lerkit_wallet" not in need.headers.get("set-cookie", "")
    ok = browser.post(
        "/wallet/signin",
        data={
            "email": "fr@example.org",
            "password": PASSWORD,
            "code": totp.generate(now + 30).decode(),
            "next": "/wallet/receive",
        },
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/wallet/receive"
    evil = browser.post(
        "/wallet/signin",
        data={"email": "x@example.org", "password": "y" * 10, "next": "https://evil.example/"},
    )
    assert evil.status_code == 401
    french = TestClient(browser.app, base_url="https://lerkit.test", follow_redirects=False)
    french.post(
        "/wallet/signup", data={"email": "fr2@example.org", "password": PASSWORD, "lang": "fr"}
    )
    page = french.get("/wallet")
    assert 'lang="fr"' in page.text
    assert "Mes attestations" in page.text
    assert "Coller un lien" in french.get("/wallet/receive").text
    assert "Create your wallet" in french.get("/wallet/signup").text
    assert (
        "Créer votre portefeuille"
        in french.get("/wallet/signup", headers={"Accept-Language": "fr-CA"}).text
    )


def test_receive_offer_page(browser: TestClient, org_a: Tenant) -> None:
    from api.test_wallet_api import achievement

    csrf = sign_up(browser, email="offer@example.org")
    offer = browser.post(
        "/api/v1/offers",
        json={
            "achievement": achievement(browser, org_a),
            "recipient": "x@example.org",
            "txCode": True,
        },
        headers=org_a.headers,
    ).json()
    missing = browser.post(
        "/wallet/receive/offer", data={"csrf_token": csrf, "offer": offer["offerUriByValue"]}
    )
    assert missing.status_code == 422
    assert "transaction code" in missing.text
    done = browser.post(
        "/wallet/receive/offer",
        data={"csrf_token": csrf, "offer": offer["offerUriByValue"], "tx_code": offer["txCode"]},
    )
    assert done.status_code == 303, done.text
    page = browser.get(done.headers["location"])
    assert "Verified" in page.text
    reverify = browser.post(done.headers["location"] + "/verify", data={"csrf_token": csrf})
    assert reverify.status_code == 303


def test_security_page_turns_on_totp(browser: TestClient) -> None:
    csrf = sign_up(browser, email="secure@example.org")
    page = browser.get("/wallet/security")
    assert page.status_code == 200
    assert "Two-step sign-in is off" in page.text
    assert browser.post("/wallet/security/totp").status_code == 403  # no CSRF token
    enrol = browser.post("/wallet/security/totp", data={"csrf_token": csrf})
    assert enrol.status_code == 200
    assert "<svg" in enrol.text
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', enrol.text)
    assert secret is not None
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", enrol.text)
    assert len(codes) == 10
    key = base64.b32decode(secret[1] + "=" * (-len(secret[1]) % 8))
    totp = TOTP(key, 6, SHA1(), 30)
    wrong = browser.post("/wallet/security/totp/confirm", data={"csrf_token": csrf, "code": "12"})
    assert wrong.status_code == 422
    # the same QR code and key again (the recovery codes were shown once)
    assert f'<code id="totp-secret">{secret[1]}</code>' in wrong.text
    assert "<svg" in wrong.text
    assert codes[0] not in wrong.text
    now = time.time()
    done = browser.post(
        "/wallet/security/totp/confirm",
        data={"csrf_token": csrf, "code": totp.generate(now).decode()},
    )
    assert done.status_code == 303
    assert "Two-step sign-in is on" in browser.get(done.headers["location"]).text
    # the next sign-in needs the code
    other = TestClient(browser.app, base_url="https://lerkit.test", follow_redirects=False)
    need = other.post("/wallet/signin", data={"email": "secure@example.org", "password": PASSWORD})
    assert need.status_code == 401
    ok = other.post(
        "/wallet/signin",
        data={
            "email": "secure@example.org",
            "password": PASSWORD,
            "code": totp.generate(now + 30).decode(),
        },
    )
    assert ok.status_code == 303


def test_claim_page_links_into_this_wallet(browser: TestClient, org_a: Tenant) -> None:
    import html
    from urllib.parse import unquote

    from api.test_claims import issue_with_email
    from integration.test_claims_service import rewire_claims
    from lerkit.services.claims import InMemoryMailer

    mailer = InMemoryMailer()
    rewire_claims(browser.app.state.services, mailer)
    issue_with_email(browser, org_a)
    token = mailer.sent[0].text.split("/claim/")[1].split()[0]
    claim = browser.get(f"/claim/{token}")
    link = html.unescape(claim.text.split('id="lerkit-wallet-link"')[0].rsplit('href="', 1)[1])
    link = link.split('"')[0]
    assert link.startswith("/wallet/receive?offer=openid-credential-offer")
    signed_out = browser.get(link)
    assert signed_out.status_code == 303
    csrf = sign_up(browser, email="claimer@example.org")
    page = browser.get(link)
    assert page.status_code == 200
    offer = unquote(link.split("offer=", 1)[1])
    assert f'value="{html.escape(offer)}"' in page.text
    received = browser.post("/wallet/receive/offer", data={"csrf_token": csrf, "offer": offer})
    assert received.status_code == 303, received.text
    assert "Verified" in browser.get(received.headers["location"]).text
