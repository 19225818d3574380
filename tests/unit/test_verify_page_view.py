"""The /verify page's views render every report shape (credential, presentation with
credentials inside, CLR, SD-JWT VC, OB 2.0, a malformed input) in English and French,
escaped, with the issuer shown from the verified identity only."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lerkit.core.holder import create_presentation, sign_presentation
from lerkit.web.verify_page import VerifyPages, credential_view
from unit.test_verify import HOLDER, HOLDER_KEY, HOLDER_VM, ISSUED, ISSUER
from unit.test_verify_any import (
    ASSERTION_URL,
    _ob2_docs,
    _sd_jwt,
    signed_badge,
    verifier,
)

PAGES = VerifyPages()


def _reports() -> dict[str, Any]:
    v = verifier(_ob2_docs())
    vp = sign_presentation(
        create_presentation([signed_badge()], holder=HOLDER),
        HOLDER_KEY,
        verification_method=HOLDER_VM,
        created=ISSUED,
        challenge="c",
    )
    assert isinstance(vp, dict)
    forged = copy.deepcopy(signed_badge())
    forged["name"] = "<script>alert(1)</script>"
    return {
        "credential": v.verify_any(signed_badge()),
        "presentation": v.verify_any(vp, challenge="c"),
        "sd-jwt": v.verify_any(_sd_jwt()),
        "ob2": v.verify_any(ASSERTION_URL),
        "forged": v.verify_any(forged),
        "malformed": v.verify_any("a.b.c"),
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_report_shape_renders(lang: str) -> None:
    for name, report in _reports().items():
        html = PAGES.result(lang, report, ["org/registry"])
        assert f'data-verdict="{report.verdict}"' in html, name
        assert "<script>alert(1)</script>" not in html
        assert f'<html lang="{lang}">' in html
    form = PAGES.form(lang, [], "an <error>")
    assert "an &lt;error&gt;" in form


def test_the_issuer_shown_is_the_verified_one() -> None:
    reports = _reports()
    view = credential_view(reports["credential"])
    assert view["issuer_id"] == ISSUER
    assert view["achievement"]
    assert view["alignments"]
    assert credential_view(reports["forged"])["issuer_id"] is None  # signature broken
    ob2 = credential_view(reports["ob2"])
    assert ob2["issuer_id"] == "https://issuer.example/issuer"
    assert ob2["issuer_name"] == "Issuer Example"
    assert ob2["criteria"] == "Wrote a program"
    sd = credential_view(reports["sd-jwt"])
    assert sd["issuer_id"] == ISSUER
    assert sd["achievement"] == "Data Analysis"
