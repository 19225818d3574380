"""The holder's journey between the wallet pages in a REAL browser (Debian chromium through
Playwright, a real uvicorn): a selectively disclosable credential's page says what can be
revealed and links to "Share" with the credential ticked; the share form makes a link; a
fresh browser (the employer, no session) opens it and sees the credential verified (given
with a derived proof); the credential page's "Add to a résumé" link ticks it in the
résumé form too."""

from __future__ import annotations

import json

import pytest

from api.test_oid4vp_sd import _base_credential
from browser.test_sharing_pages import ARGS, CHROMIUM, server  # noqa: F401 — fixture
from lerkit.bootstrap import Services
from lerkit.db.models_wallet import Holder
from sharing_support import new_holder
from support import require

pytestmark = pytest.mark.network


def test_from_the_credential_page_to_a_verified_share(
    server: tuple[Services, str],  # noqa: F811
) -> None:
    require(CHROMIUM.exists(), "Debian chromium")
    from playwright.sync_api import sync_playwright

    services, base = server
    holder = new_holder(services, "Lee Learner")
    assert services.wallet is not None
    with services.database.session() as session:
        kept = services.wallet.store_received(
            session, holder.holder_id, json.dumps(_base_credential(holder.did)), source="file"
        )
        credential_id = kept.public_id
        assert kept.verdict == "valid"
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
            page.goto(f"{base}/wallet/credentials/{credential_id}")
            section = page.inner_text("#selective-disclosure")
            assert "Selectively disclosable: you choose what to reveal" in section
            assert "/credentialSubject/role" in section
            assert "/credentialSubject/term" in section

            page.click("a:has-text('Add to a résumé')")
            page.wait_for_load_state()
            assert page.url.endswith(f"/wallet/resumes?credential={credential_id}")
            assert page.locator(f"input[name=credential][value='{credential_id}']").is_checked()

            page.goto(f"{base}/wallet/credentials/{credential_id}")
            page.click("a:has-text('Share')")
            page.wait_for_load_state()
            assert page.url.endswith(f"/wallet/shares?credential={credential_id}")
            box = page.locator(f"input[name=credential][value='{credential_id}']")
            assert box.is_checked()
            page.fill("input[name=recipient_name]", "Grace Hopper")
            page.fill("input[name=purpose]", "Team lead position")
            page.click("#new-share button[type=submit]")
            page.wait_for_selector("#created-link")
            href = page.get_attribute("#created-link", "href")
            assert href is not None
            assert href.startswith("/s/")

            employer = browser.new_context(locale="en-GB")
            public = employer.new_page()
            response = public.goto(f"{base}{href}")
            assert response is not None
            assert response.status == 200
            sections = public.locator("section.credential")
            assert sections.count() == 1
            assert sections.nth(0).get_attribute("data-verdict") == "valid"
            assert "Team Project Leadership" in public.content()
            assert employer.cookies() == []
        finally:
            browser.close()
