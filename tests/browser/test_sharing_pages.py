"""Sharing pages in a REAL browser (Debian chromium through Playwright) against a real uvicorn:
the holder shares two credentials from the shares page; a fresh browser (no session) opens
the public page and sees both verified and the link-expiry notice; the consent ledger page
lists the share, and withdrawing it there makes the public page answer 410."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.models_wallet import Holder
from lerkit.db.session import Database
from sharing_support import issued, keep, new_holder, tenant
from support import require

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.network


@pytest.fixture
def server(tmp_path: Path, db: Database) -> Iterator[tuple[Services, str]]:
    port = free_port()
    base = f"http://localhost:{port}"
    services = build_services(Settings(data_dir=tmp_path, database_url=db.url, public_url=base), db)
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    try:
        yield services, base
    finally:
        running.should_exit = True
        thread.join(10)
        services.close()


def test_share_two_credentials_view_and_withdraw(server: tuple[Services, str]) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    org = tenant(services)
    holder = new_holder(services, "Ada Lovelace")
    for name in ("Data Analysis Fundamentals", "Project Management Basics"):
        keep(services, holder, issued(services, org, name).document)
    assert services.wallet is not None
    with services.database.session() as session:
        row = session.get(Holder, holder.holder_id)
        assert row is not None
        cookie = services.wallet.signin.open_session(session, row).cookie

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            signed_in = browser.new_context(locale="en-GB")
            signed_in.add_cookies(
                [{"name": "lerkit_wallet", "value": cookie, "url": base, "httpOnly": True}]
            )
            page = signed_in.new_page()
            page.goto(f"{base}/wallet/shares")
            page.fill("input[name=recipient_name]", "Grace Hopper")
            page.fill("input[name=recipient_organization]", "Employer Ltd")
            page.fill("input[name=purpose]", "Job application")
            page.fill("input[name=days]", "14")
            boxes = page.locator("input[name=credential]")
            assert boxes.count() == 2
            boxes.nth(0).check()
            boxes.nth(1).check()
            page.click("#new-share button[type=submit]")
            page.wait_for_selector("#created-link")
            href = page.get_attribute("#created-link", "href")
            assert href is not None
            assert href.startswith("/s/")
            assert "Grace Hopper" in page.inner_text("table")

            # the employer: a fresh browser context, no session
            employer = browser.new_context(locale="en-GB")
            public = employer.new_page()
            response = public.goto(f"{base}{href}")
            assert response is not None
            assert response.status == 200
            sections = public.locator("section.credential")
            assert sections.count() == 2
            for i in range(2):
                assert sections.nth(i).get_attribute("data-verdict") == "valid"
                assert "Verified" in sections.nth(i).inner_text()
            notice = public.inner_text("#expiry-notice")
            assert "NOT the expiry of the credentials" in notice
            assert "Data Analysis Fundamentals" in public.content()
            assert public.locator("a", has_text="Add to LinkedIn profile").count() == 2
            assert employer.cookies() == []

            # the holder's consent ledger lists it; withdrawing it ends the link
            page.goto(f"{base}/wallet/consents")
            share_id = href.rsplit("/", 1)[-1]
            row_locator = page.locator(f"tr[data-reference='{share_id}']")
            assert row_locator.count() == 1
            assert "Grace Hopper" in row_locator.inner_text()
            assert "Job application" in row_locator.inner_text()
            row_locator.locator("button", has_text="Withdraw").click()
            page.wait_for_load_state()
            assert "withdrawn" in page.locator(f"tr[data-reference='{share_id}']").inner_text()

            gone = public.goto(f"{base}{href}")
            assert gone is not None
            assert gone.status == 410
            assert "This share link has been withdrawn" in public.content()
            assert "Data Analysis Fundamentals" not in public.content()
        finally:
            browser.close()


def test_oauth_consent_page_with_the_wallet_session(server: tuple[Services, str]) -> None:
    """A third-party issuer sends the signed-in holder to the consent page; the holder clicks
    Allow; the issuer gets a code it exchanges (PKCE S256) for a token that works."""
    require(CHROMIUM.exists(), "Debian chromium")
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlencode, urlsplit

    import httpx
    from playwright.sync_api import Route, sync_playwright

    from api.test_sharing_ob3 import CLIENT, REDIRECT, basic

    services, base = server
    holder = new_holder(services, "Ada Lovelace")
    assert services.wallet is not None
    with services.database.session() as session:
        row = session.get(Holder, holder.holder_id)
        assert row is not None
        cookie = services.wallet.signin.open_session(session, row).cookie
    with httpx.Client(base_url=base, timeout=30) as http:
        registered = http.post("/oauth/register", json=CLIENT).json()
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": REDIRECT,
        "scope": CLIENT["scope"],
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    landed: list[str] = []

    def issuer_callback(route: Route) -> None:
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>thanks</p>")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(locale="en-GB")
            context.add_cookies(
                [{"name": "lerkit_wallet", "value": cookie, "url": base, "httpOnly": True}]
            )
            context.route("https://issuer.example/**", issuer_callback)
            page = context.new_page()
            page.goto(f"{base}/oauth/authorize?{urlencode(query)}")
            assert "Allow Example Issuer to use your wallet?" in page.inner_text("h1")
            assert "Signed in to your wallet as Ada Lovelace" in page.inner_text("#signed-in")
            assert "Add or update Open Badges credentials" in page.inner_text("#scopes")
            assert page.locator("input[name=password]").count() == 0
            page.click("button[value=allow]")
            page.wait_for_url("https://issuer.example/**")
        finally:
            browser.close()
    (url,) = landed
    answer = parse_qs(urlsplit(url).query)
    assert answer["state"] == ["xyz"]
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": answer["code"][0],
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            headers=basic(registered["client_id"], registered["client_secret"]),
        )
        assert token.status_code == 200, token.text
        profile = http.get(
            "/ims/ob/v3p0/profile",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert profile.status_code == 200
        assert profile.json()["name"] == "Ada Lovelace"
