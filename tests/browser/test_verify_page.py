"""The public verification page (/verify) in a REAL browser (Debian chromium through
Playwright), served by a real uvicorn on a free port: paste, upload a baked PNG, a URL
refused by the fetch policy, English and French, the credential rendered from the verified
document, and the trust registry's answer."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.conftest import make_tenant
from integration.test_claims_service import free_port
from lerkit.api.app import create_app
from lerkit.bootstrap import Services, build_services
from lerkit.config import Settings
from lerkit.core.baking import bake_png
from lerkit.db.session import Database
from support import require
from unit.test_baking import tiny_png

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ACHIEVEMENT = {
    "name": "Python Programming",
    "description": "Writes and tests Python programs.",
    "criteria": {"narrative": "Passed the final project."},
    "alignments": [
        {
            "targetName": "Python (computer programming)",
            "targetUrl": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            "targetFramework": "ESCO",
            "targetType": "ext:ESCO",
        }
    ],
}

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


def test_verify_page_in_chromium(server: tuple[Services, str], tmp_path: Path) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    tenant = make_tenant(services, "college")
    achievement = services.achievements.create(tenant.actor, ACHIEVEMENT)
    record = services.issuance.issue(tenant.actor, achievement.public_id, "ada@example.org")
    credential = json.loads(record.document)
    with services.database.session() as session:
        services.trust.registries.create(session, tenant.actor, "partners", published=True)
        services.trust.registries.add_entry(
            session,
            tenant.actor,
            "partners",
            {"did": tenant.did, "name": "College", "credentialTypes": ["OpenBadgeCredential"]},
        )
    png = tmp_path / "badge.png"
    png.write_bytes(bake_png(tiny_png(), credential))
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Rocket Science"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            response = page.goto(f"{base}/verify?lang=en")
            assert response is not None
            assert response.status == 200
            assert page.locator("h1").inner_text() == "Verify a credential"
            # 1. paste JSON, with the published registry
            page.fill("#document", json.dumps(credential))
            page.select_option("#registry", "college/partners")
            page.click("#verify-button")
            page.wait_for_selector("#verdict")
            assert page.get_attribute("#verdict", "data-verdict") == "valid"
            assert "genuine" in page.inner_text("#summary")
            assert page.inner_text("#issuer-id") == tenant.did  # the verified identity
            assert page.inner_text("#achievement") == achievement.data["name"]
            assert "Passed the final project" in page.inner_text("#criteria")
            assert "recognised by partners" in page.inner_text("#trust")
            proof = page.locator('tr[data-check="proof"]')
            assert proof.get_attribute("data-status") == "pass"
            assert "nothing has been changed" in proof.inner_text()
            trust = page.locator('tr[data-check="trust"]')
            assert trust.get_attribute("data-code") == "issuer.recognised"
            assert "Python (computer programming)" in page.inner_text("#skills")
            assert "ESCO" in page.inner_text("#skills")

            # 2. a tampered copy: not valid, in plain words
            page.goto(f"{base}/verify")
            page.fill("#document", json.dumps(tampered))
            page.click("#verify-button")
            page.wait_for_selector("#verdict")
            assert page.get_attribute("#verdict", "data-verdict") == "invalid"
            proof = page.locator('tr[data-check="proof"]')
            assert proof.get_attribute("data-code") == "proof.invalid"
            assert "changed after signing" in proof.inner_text()
            assert page.locator("#issuer-id").count() == 0  # no identity established

            # 3. upload the baked PNG, in French
            page.goto(f"{base}/verify?lang=fr")
            assert page.locator("html").get_attribute("lang") == "fr"
            page.set_input_files("#file", str(png))
            page.click("#verify-button")
            page.wait_for_selector("#verdict")
            assert page.get_attribute("#verdict", "data-verdict") == "valid"
            assert page.inner_text("#verdict h2") == "Valide"
            assert "authentique" in page.inner_text("#summary")
            assert "Signature" in page.inner_text('tr[data-check="proof"]')

            # 4. a URL on a private address: refused, explained, no crash
            page.goto(f"{base}/verify")
            page.fill("#url", "http://169.254.169.254/latest/meta-data/")
            page.click("#verify-button")
            alert = page.locator("#error")
            alert.wait_for()
            assert "fetch.refused" in alert.inner_text()

            # 5. nothing given: asked again
            page.goto(f"{base}/verify")
            page.click("#verify-button")
            assert "Paste a credential" in page.locator("#error").inner_text()
        finally:
            browser.close()
