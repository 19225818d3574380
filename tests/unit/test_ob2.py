"""Open Badges 2.0 verification pieces (lerkit.core.ob2): recipient identities (plain,
sha256 and md5 hashes), the issuer's verification policy for hosted assertions
(``allowedOrigins``, ``startsWith``), format detection."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from lerkit.core.errors import ProblemCode
from lerkit.core.ob2 import check_recipient, is_signed_ob2, looks_like_ob2, verify_ob2
from lerkit.core.report import CheckStatus, Verdict

C = ProblemCode
S = CheckStatus
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_recipients() -> None:
    sha = "sha256$" + hashlib.sha256(b"ada@example.orgpepper").hexdigest()
    md5 = "md5$" + hashlib.md5(b"ada@example.org", usedforsecurity=False).hexdigest()
    cases: list[tuple[dict[str, Any], str | None, CheckStatus, ProblemCode | None]] = [
        (
            {"type": "email", "hashed": True, "salt": "pepper", "identity": sha},
            "ADA@example.org ",
            S.PASS,
            None,
        ),
        (
            {"type": "email", "hashed": True, "salt": "pepper", "identity": sha},
            "eve@example.org",
            S.FAIL,
            C.OB2_RECIPIENT_MISMATCH,
        ),
        ({"type": "email", "hashed": True, "identity": md5}, "ada@example.org", S.PASS, None),
        (
            {"type": "email", "hashed": True, "identity": sha},
            None,
            S.WARNING,
            C.OB2_RECIPIENT_UNCHECKED,
        ),
        (
            {"type": "email", "hashed": False, "identity": "Ada@Example.org"},
            "ada@example.org",
            S.PASS,
            None,
        ),
        (
            {"type": "url", "hashed": False, "identity": "https://ada.example"},
            "https://eve.example",
            S.FAIL,
            C.OB2_RECIPIENT_MISMATCH,
        ),
        (
            {"type": "email", "hashed": True, "identity": "sha1$abc"},
            "ada@example.org",
            S.FAIL,
            C.OB2_MALFORMED,
        ),
        ({"type": "email"}, "ada@example.org", S.FAIL, C.OB2_MALFORMED),
    ]
    for recipient, given, status, code in cases:
        result = check_recipient(recipient, given)
        assert result.status is status, (recipient, given, result)
        assert result.code is code, (recipient, given, result)


def _docs(assertion_id: str, policy: dict[str, Any] | None) -> dict[str, Any]:
    issuer: dict[str, Any] = {"type": "Issuer", "id": "https://issuer.example/profile", "name": "I"}
    if policy is not None:
        issuer["verification"] = policy
    return {
        assertion_id: {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": assertion_id,
            "recipient": {"type": "email", "identity": "ada@example.org"},
            "badge": {
                "type": "BadgeClass",
                "id": "https://issuer.example/b",
                "name": "B",
                "issuer": issuer,
            },
            "verification": {"type": "HostedBadge"},
            "issuedOn": "2024-01-01",
        }
    }


def test_verification_policy_of_hosted_assertions() -> None:
    cases = [
        ("https://issuer.example/a/1", None, Verdict.VALID),
        ("https://badges.partner.example/a/1", None, Verdict.INVALID),
        (
            "https://badges.partner.example/a/1",
            {"allowedOrigins": ["badges.partner.example"]},
            Verdict.VALID,
        ),
        (
            "https://badges.partner.example/a/1",
            {"allowedOrigins": "other.example"},
            Verdict.INVALID,
        ),
        ("https://issuer.example/a/1", {"startsWith": "https://issuer.example/a/"}, Verdict.VALID),
        (
            "https://issuer.example/b/1",
            {"startsWith": ["https://issuer.example/a/"]},
            Verdict.INVALID,
        ),
    ]
    for assertion_id, policy, verdict in cases:
        docs = _docs(assertion_id, policy)
        report = verify_ob2(
            assertion_id, fetch=docs.__getitem__, now=NOW, recipient="ada@example.org"
        )
        assert report.verdict is verdict, (assertion_id, policy, report.to_json())
        if verdict is Verdict.INVALID:
            assert C.OB2_NOT_HOSTED in report.codes


def test_detection() -> None:
    assertion = _docs("https://issuer.example/a/1", None)["https://issuer.example/a/1"]
    assert looks_like_ob2(assertion)
    assert not looks_like_ob2(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    )
    assert not looks_like_ob2("https://issuer.example/a/1")
    assert not is_signed_ob2("a.b.c")
    report = verify_ob2("not.a.jws", fetch=lambda url: {}, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert C.OB2_MALFORMED in report.codes
