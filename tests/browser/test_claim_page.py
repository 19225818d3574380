"""The claim page in a REAL browser (Debian chromium through Playwright), served by a real
uvicorn on a free port, with the claim link taken from a message a REAL SMTP server got."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.conftest import make_tenant
from api.test_vcapi import ACHIEVEMENT
from integration.test_claims_service import (
    Inbox,
    claim_url_of,
    free_port,
    rewire_claims,
    smtp_mailer,
)
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from support import require

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


def test_claim_page_in_chromium(
    server: tuple[Services, str], smtp_server: tuple[Inbox, int]
) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    inbox, port = smtp_server
    claims = rewire_claims(services, smtp_mailer(port))
    tenant = make_tenant(services, "org-a")
    achievement = services.achievements.create(tenant.actor, ACHIEVEMENT)
    links: dict[str, Any] = {}
    for lang in ("en", "fr"):
        record = services.issuance.issue(tenant.actor, achievement.public_id, "ada@example.org")
        links[lang] = claims.create_for_credential(
            tenant.actor, record.credential_id, "ada@example.org", lang
        )
    urls = [claim_url_of(message) for message in inbox.messages]
    assert all(url.startswith(base + "/claim/") for url in urls)
    english, french = urls

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(java_script_enabled=False)
            response = page.goto(english)
            assert response is not None
            assert response.status == 200
            assert page.locator("h1").inner_text() == "Your badge: Data Analysis Fundamentals"
            qr = page.locator("img.qr")
            qr.wait_for()
            assert qr.evaluate("img => img.naturalWidth") > 0  # the QR image loaded
            offer = page.get_by_role("link", name="Open the offer in a wallet on this device")
            assert offer.get_attribute("href").startswith("openid-credential-offer://")
            with page.expect_download() as download:
                page.get_by_role("link", name="Download the credential (JSON)").click()
            credential = json.loads(Path(download.value.path()).read_text("utf-8"))
            report = services.verifier(allow_network=False).verify_credential(credential)
            assert report.verified, report

            page.goto(french)
            assert page.locator("html").get_attribute("lang") == "fr"
            assert "Votre badge" in page.locator("h1").inner_text()
            assert "Télécharger l’attestation (JSON)" in page.content()

            claims.revoke(tenant.actor, links["en"].public_id)
            response = page.goto(english)
            assert response is not None
            assert response.status == 410
            assert "withdrawn" in page.locator("h1").inner_text()
            assert "Organization ORG-A" in page.content()

            claims._link_seconds = 0  # make the next expiry "now"
            claims.resend(tenant.actor, links["fr"].public_id)
            expired = claim_url_of(inbox.messages[-1])
            response = page.goto(expired)
            assert response is not None
            assert response.status == 410
            assert "expiré" in page.locator("h1").inner_text()
            assert httpx.get(expired).status_code == 410
        finally:
            browser.close()
