"""The wallet's OpenID4VP consent page in a REAL browser (Debian chromium through
Playwright), served by a real uvicorn: an employer asks for an Open Badge aligned to a skill
(ldp_vc) and an SD-JWT VC's achievement name; the holder opens the request in their wallet,
sees the verifier and exactly the claims each credential would disclose, clicks Share; the
employer's request then shows the verified claims. A second request, in French, is
declined: the employer sees access_denied."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.conftest import make_tenant
from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core import sdjwt
from lerkit.db.session import Database
from oid4vp_support import SKILL_URL, achievement, hold, issue_to
from support import require
from wallet_support import PASSWORD, new_holder

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

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


def _open(http: httpx.Client, holder: dict[str, str], link: str) -> dict[str, Any]:
    response = http.post("/api/v1/wallet/oid4vp/requests", json={"url": link}, headers=holder)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_consent_page_share_and_decline(server: tuple[Services, str]) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    college = make_tenant(services, "college")
    employer = make_tenant(services, "employer")
    with httpx.Client(base_url=base, timeout=60) as http:
        email = "ada.browser@example.org"
        holder, _public_id = new_holder(http, email=email)
        did = http.get("/api/v1/wallet/me", headers=holder).json()["did"]
        badge_achievement = achievement(http, college.headers)
        hold(http, holder, issue_to(http, college.headers, did, achievement_id=badge_achievement))
        compact = issue_to(
            http, college.headers, did, fmt="dc+sd-jwt", achievement_id=badge_achievement
        )
        hold(http, holder, compact)
        vct = sdjwt.decode_sd_jwt(compact).payload["vct"]
        query = {
            "credentials": [
                {
                    "id": "badge",
                    "format": "ldp_vc",
                    "meta": {"type_values": [["OpenBadgeCredential"]]},
                    "claims": [
                        {
                            "path": [
                                "credentialSubject",
                                "achievement",
                                "alignment",
                                None,
                                "targetUrl",
                            ],
                            "values": [SKILL_URL],
                        }
                    ],
                },
                {
                    "id": "summary",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [vct]},
                    "claims": [{"path": ["achievement", "name"]}],
                },
            ]
        }
        made = http.post(
            "/api/v1/presentation-requests",
            json={"dcql": query, "purpose": "Hiring a data analyst"},
            headers=employer.headers,
        )
        assert made.status_code == 201, made.text
        request = made.json()

        declined_request = http.post(
            "/api/v1/presentation-requests",
            json={"template": "vc-type", "type": "OpenBadgeCredential"},
            headers=employer.headers,
        ).json()
        to_decline = _open(http, holder, declined_request["link"])

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(java_script_enabled=False)
                # the employer shows the request on a screen: QR code and link
                response = page.goto(request["page"])
                assert response is not None
                assert response.status == 200
                assert (
                    "Organization EMPLOYER asks for a credential" in page.locator("h1").inner_text()
                )
                qr = page.locator("img.qr")
                qr.wait_for()
                assert qr.evaluate("img => img.naturalWidth") > 0
                assert page.locator("#wallet-link").get_attribute("href") == request["link"]
                # the holder signs in to their wallet and pastes the link of the QR code
                page.goto(base + "/wallet/oid4vp")
                assert page.locator("a[href^='/wallet/signin']").count() == 1
                page.goto(base + "/wallet/signin?next=/wallet/oid4vp")
                page.fill("#email", email)
                page.fill("#password", PASSWORD)
                page.locator("button[type=submit]").click()
                page.wait_for_load_state()
                assert page.url == base + "/wallet/oid4vp"
                page.fill("#url", request["link"])
                page.locator("#open").click()
                page.wait_for_load_state()
                assert page.url.startswith(base + "/wallet/oid4vp/")
                consent_url = page.url
                assert page.locator("h1").inner_text() == (
                    "Share credentials with Organization EMPLOYER?"
                )
                assert employer.did in page.locator("#verifier-did").inner_text()
                assert page.locator("#purpose").inner_text() == "Hiring a data analyst"
                badge = page.locator("fieldset[data-query=badge]")
                assert "whole credential will be shared" in badge.inner_text()
                assert SKILL_URL in badge.locator("ul.claims").inner_text()
                summary = page.locator("fieldset[data-query=summary]")
                assert summary.locator("ul.claims li").count() == 1
                assert "/achievement/name" in summary.inner_text()
                assert "Data Analysis Fundamentals" in summary.inner_text()
                # nothing was sent before the click
                before = http.get(
                    f"/api/v1/presentation-requests/{request['id']}", headers=employer.headers
                ).json()
                assert before["status"] == "pending"
                page.locator("#share").click()
                page.wait_for_load_state()
                assert "Shared with Organization EMPLOYER." in page.locator("#outcome").inner_text()
                assert page.locator("#recorded").count() == 1

                response = page.goto(to_decline["consentUrl"] + "&lang=fr")
                assert response is not None
                assert page.locator("html").get_attribute("lang") == "fr"
                assert "Partager des attestations" in page.locator("h1").inner_text()
                page.locator("#decline").click()
                page.wait_for_load_state()
                assert "Vous avez refusé" in page.locator("#outcome").inner_text()
                # the request is answered: its page says so
                response = page.goto(consent_url)
                assert response is not None
                assert "already answered" in page.locator("#outcome").inner_text()
            finally:
                browser.close()

        view = http.get(
            f"/api/v1/presentation-requests/{request['id']}", headers=employer.headers
        ).json()
        assert view["status"] == "verified", view
        assert view["claims"]["badge"][0]["claims"] == {"0": [SKILL_URL]}
        assert view["claims"]["summary"][0]["disclosed"]["achievement"]["name"] == (
            "Data Analysis Fundamentals"
        )
        assert "description" not in view["claims"]["summary"][0]["disclosed"]["achievement"]
        declined_view = http.get(
            f"/api/v1/presentation-requests/{declined_request['id']}", headers=employer.headers
        ).json()
        assert declined_view["status"] == "rejected"
        assert declined_view["error"]["code"] == "vp.access_denied"
