"""The wallet pages in a REAL browser (Debian chromium through Playwright, no JavaScript),
served by a real uvicorn: sign up, receive a credential by uploading a file and see it with
its verdict and report; then follow a claim page's "Add to a lerkit wallet" link, sign in
and receive the offer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn

from api.conftest import make_tenant
from api.test_vcapi import ACHIEVEMENT
from browser.test_claim_page import ARGS, CHROMIUM
from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.db.session import Database
from support import require

pytestmark = pytest.mark.network
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(tmp_path: Path, db: Database) -> Iterator[tuple[Services, str]]:
    port = free_port()
    base = f"http://localhost:{port}"
    settings = Settings(
        data_dir=tmp_path,
        database_url=db.url,
        public_url=base,
        allow_private_fetch=True,  # the wallet claims offers of this same server
        allow_http_fetch=True,
    )
    services = build_services(settings, db)
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


def test_signup_upload_and_see_the_verdict(server: tuple[Services, str], tmp_path: Path) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    tenant = make_tenant(services, "org-a")
    achievement = services.achievements.create(tenant.actor, ACHIEVEMENT)
    record = services.issuance.issue(tenant.actor, achievement.public_id, "ada@example.org")
    credential_file = tmp_path / "badge.json"
    credential_file.write_text(record.document, "utf-8")
    expired = tmp_path / "expired.json"
    expired.write_bytes(
        (
            Path(__file__).resolve().parent.parent
            / "fixtures"
            / "1edtech-validator"
            / "ob30"
            / "simple-err-expired.json"
        ).read_bytes()
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(java_script_enabled=False)
            page.goto(base + "/wallet")
            assert "/wallet/signin" in page.url
            page.get_by_role("link", name="Create my wallet").click()
            page.get_by_label("Email").fill("ada@example.org")
            page.get_by_label("Your name").fill("Ada")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Create my wallet").click()
            assert page.url == base + "/wallet"
            assert "No credential yet" in page.content()

            page.get_by_role("link", name="Receive a credential").first.click()
            page.get_by_label("Credential file").set_input_files(str(credential_file))
            page.get_by_role("button", name="Import").click()
            assert "/wallet/credentials/" in page.url
            assert page.locator("#verdict").inner_text() == "Verified"
            assert page.locator("h1").inner_text() == json.loads(record.document)["name"]
            assert page.locator("tr.check-pass").count() >= 4
            page.get_by_role("button", name="Verify again").click()
            assert page.locator("#verdict").inner_text() == "Verified"

            # an expired credential is refused, with the reason, unless the holder insists
            page.goto(base + "/wallet/receive")
            page.get_by_label("Credential file").set_input_files(str(expired))
            page.get_by_role("button", name="Import").click()
            assert page.locator("[role=alert]").count() == 1
            assert "does not verify" in page.locator("[role=alert]").inner_text()
            page.get_by_label("Credential file").set_input_files(str(expired))
            page.get_by_label("Keep it even if it does not verify").check()
            page.get_by_role("button", name="Import").click()
            assert page.locator("#verdict").inner_text() == "Does not verify"
            assert "validity.expired" in page.content()

            page.goto(base + "/wallet")
            assert page.locator("li.credential").count() == 2
            page.get_by_label("Search your credentials").fill(
                json.loads(record.document)["name"].split()[0]
            )
            page.get_by_role("button", name="Search").click()
            assert page.locator("li.credential").count() == 1
            assert page.locator("li.credential .verdict").inner_text() == "Verified"

            # sign out, then a claim page's wallet link takes the offer after sign-in
            page.get_by_role("button", name="Sign out").click()
            assert "/wallet/signin" in page.url
            assert services.oid4vci is not None
            offer = services.oid4vci.create_offer(
                tenant.actor, achievement.public_id, "ada@example.org"
            )
            uri = offer.to_json()["offerUri"]

            page.goto(base + "/wallet/receive?offer=" + quote(uri, safe=""))
            assert "/wallet/signin" in page.url
            page.get_by_label("Email").fill("ada@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            assert "/wallet/receive" in page.url
            assert page.get_by_role("textbox", name="Offer link").input_value() == uri
            page.get_by_role("button", name="Receive", exact=True).click()
            assert "/wallet/credentials/" in page.url, page.content()
            assert page.locator("#verdict").inner_text() == "Verified"
        finally:
            browser.close()
