# ruff: noqa: E501  (translated sentences read better unbroken)
"""The public verification page (``/verify``): its strings (English, French), the view of
a verified credential, and rendering. Presentation only: the report comes from the
verification service; nothing here fetches or verifies anything.

The credential is shown from the *verified* document, and the issuer's identity shown
first is the one the signature established (its DID or OB 2.0 profile URL) — the name is
labelled as the issuer's own statement, and the trust registry's answer, when asked, is
shown beside it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from lerkit.core.report import Check, CheckStatus, VerificationReport
from lerkit.core.trust import verified_issuer

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Verify a credential",
        "intro": "Check that a digital credential is genuine, current and from whom it says — no account needed. Nothing you submit is stored.",
        "paste": "Paste the credential (JSON, JWT or SD-JWT)",
        "upload": "Or upload a file (JSON, or a badge image: PNG or SVG)",
        "url": "Or give its web address (URL)",
        "registry": "Check the issuer against a trust registry (optional)",
        "no_registry": "No registry",
        "recipient": "The recipient’s email, to check an Open Badges 2.0 badge (optional)",
        "verify": "Verify",
        "language": "Language",
        "result": "Result",
        "checks": "Checks",
        "check": "Check",
        "outcome": "Outcome",
        "details": "Technical details",
        "again": "Verify another credential",
        "credential": "The credential",
        "issuer": "Issuer",
        "issuer_verified": "Identity established by the signature",
        "issuer_says": "Name, as the issuer states it",
        "issuer_unverified": "The issuer’s identity was not established: the name below is not confirmed.",
        "trust": "Trust registry",
        "recipient_label": "Awarded to",
        "achievement": "Achievement",
        "description": "Description",
        "criteria": "Criteria",
        "skills": "Skills and alignments",
        "results": "Results",
        "evidence": "Evidence",
        "validity": "Validity",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "issued_on": "Issued on",
        "format": "Format",
        "inner": "Credential inside",
        "error_title": "This could not be verified",
        "nothing": "Paste a credential, upload a file or give a URL.",
        "status_pass": "passed",
        "status_warning": "passed, with a reservation",
        "status_fail": "failed",
        "status_could_not_check": "could not be checked",
        "status_not_run": "not checked",
        "verdict_valid": "Valid",
        "verdict_invalid": "Not valid",
        "verdict_indeterminate": "Could not be fully checked",
        "check_syntax": "Format",
        "check_contexts": "Vocabulary",
        "check_schema": "Standard format",
        "check_proof": "Signature",
        "check_issuer": "Issuer",
        "check_holder": "Holder",
        "check_validity": "Dates",
        "check_status": "Revocation",
        "check_credentials": "Credentials inside",
        "check_trust": "Trusted issuer",
    },
    "fr": {
        "title": "Vérifier une attestation",
        "intro": "Vérifiez qu’une attestation numérique est authentique, en cours de validité et émise par qui elle prétend — sans compte. Rien de ce que vous soumettez n’est conservé.",
        "paste": "Collez l’attestation (JSON, JWT ou SD-JWT)",
        "upload": "Ou téléversez un fichier (JSON, ou une image de badge : PNG ou SVG)",
        "url": "Ou indiquez son adresse web (URL)",
        "registry": "Vérifier l’émetteur dans un registre de confiance (facultatif)",
        "no_registry": "Aucun registre",
        "recipient": "Le courriel du destinataire, pour vérifier un badge Open Badges 2.0 (facultatif)",
        "verify": "Vérifier",
        "language": "Langue",
        "result": "Résultat",
        "checks": "Vérifications",
        "check": "Vérification",
        "outcome": "Résultat",
        "details": "Détails techniques",
        "again": "Vérifier une autre attestation",
        "credential": "L’attestation",
        "issuer": "Émetteur",
        "issuer_verified": "Identité établie par la signature",
        "issuer_says": "Nom, tel que l’émetteur l’indique",
        "issuer_unverified": "L’identité de l’émetteur n’a pas été établie : le nom ci-dessous n’est pas confirmé.",
        "trust": "Registre de confiance",
        "recipient_label": "Décerné à",
        "achievement": "Réalisation",
        "description": "Description",
        "criteria": "Critères",
        "skills": "Compétences et alignements",
        "results": "Résultats",
        "evidence": "Preuves",
        "validity": "Validité",
        "valid_from": "Valide à partir du",
        "valid_until": "Valide jusqu’au",
        "issued_on": "Délivré le",
        "format": "Format",
        "inner": "Attestation contenue",
        "error_title": "La vérification n’a pas pu se faire",
        "nothing": "Collez une attestation, téléversez un fichier ou indiquez une URL.",
        "status_pass": "réussie",
        "status_warning": "réussie, avec une réserve",
        "status_fail": "échouée",
        "status_could_not_check": "impossible à vérifier",
        "status_not_run": "non vérifiée",
        "verdict_valid": "Valide",
        "verdict_invalid": "Non valide",
        "verdict_indeterminate": "Vérification incomplète",
        "check_syntax": "Format",
        "check_contexts": "Vocabulaire",
        "check_schema": "Format normalisé",
        "check_proof": "Signature",
        "check_issuer": "Émetteur",
        "check_holder": "Détenteur",
        "check_validity": "Dates",
        "check_status": "Révocation",
        "check_credentials": "Attestations contenues",
        "check_trust": "Émetteur de confiance",
    },
}

FORMATS = {
    "ldp": "W3C Verifiable Credential (Data Integrity)",
    "jwt": "W3C Verifiable Credential (VC-JOSE / JWT)",
    "sd-jwt": "SD-JWT VC (selective disclosure)",
    "ob2": "Open Badges 2.0",
}


def _text(value: Any, limit: int = 2000) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    if isinstance(value, dict):
        for key in ("narrative", "name", "description", "@value"):
            if isinstance(value.get(key), str):
                return str(value[key]).strip()[:limit]
    return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _link(value: Any) -> str | None:
    """Only http(s) links are shown as links (never javascript: or data:)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return None


def credential_view(report: VerificationReport) -> dict[str, Any]:
    """What the page shows of a verified credential (all values plain strings)."""
    doc = report.document or {}
    verified = verified_issuer(report)
    issuer: Any = doc.get("issuer")
    subject: Any = doc.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    subject = subject if isinstance(subject, dict) else {}
    achievement: Any = subject.get("achievement") or doc.get("achievement")
    badge = doc.get("badge")
    if report.format == "ob2" and isinstance(badge, dict):
        achievement = badge
        issuer = badge.get("issuer")
    achievement = achievement if isinstance(achievement, dict) else {}
    if report.format == "sd-jwt":
        issuer = {"id": doc.get("iss"), "name": doc.get("issuer_name")}
    issuer_name = _text(issuer.get("name")) if isinstance(issuer, dict) else None
    alignments = []
    for a in _list(achievement.get("alignment")):
        if isinstance(a, dict):
            alignments.append(
                {
                    "name": _text(a.get("targetName")) or _text(a.get("targetCode")) or "",
                    "framework": _text(a.get("targetFramework")),
                    "code": _text(a.get("targetCode")),
                    "url": _link(a.get("targetUrl")),
                }
            )
    results = []
    for r in _list(subject.get("result") or doc.get("result")):
        if isinstance(r, dict):
            results.append(
                {
                    "value": _text(r.get("value")) or _text(r.get("status")) or "",
                    "description": _text(r.get("resultDescription")),
                }
            )
    evidence = []
    for e in _list(doc.get("evidence")):
        if isinstance(e, dict):
            evidence.append(
                {
                    "name": _text(e.get("name"))
                    or _text(e.get("narrative"))
                    or _text(e.get("id"))
                    or "",
                    "url": _link(e.get("id")),
                }
            )
        elif isinstance(e, str):
            evidence.append({"name": e[:500], "url": _link(e)})
    recipient = None
    if report.format == "ob2":
        r = doc.get("recipient")
        if isinstance(r, dict) and r.get("hashed") is not True:
            recipient = _text(r.get("identity"))
    else:
        recipient = _text(subject.get("name")) or _text(subject.get("id")) or _text(doc.get("sub"))
    trust = report.check(Check.TRUST)
    return {
        "format": FORMATS.get(report.format, report.format),
        "issuer_id": verified,
        "issuer_name": issuer_name,
        "issuer_url": _link(issuer.get("url")) if isinstance(issuer, dict) else None,
        "trust": trust.message
        if trust is not None and trust.status is not CheckStatus.NOT_RUN
        else None,
        "trusted": trust is not None and trust.status is CheckStatus.PASS,
        "recipient": recipient,
        "name": _text(doc.get("name")) or _text(achievement.get("name")),
        "achievement": _text(achievement.get("name")),
        "description": _text(achievement.get("description")),
        "criteria": _text(achievement.get("criteria")),
        "criteria_url": _link(achievement.get("criteria", {}).get("id"))
        if isinstance(achievement.get("criteria"), dict)
        else _link(achievement.get("criteria")),
        "alignments": alignments,
        "results": results,
        "evidence": evidence,
        "valid_from": _text(doc.get("validFrom")) or _text(doc.get("issuanceDate")),
        "valid_until": _text(doc.get("validUntil"))
        or _text(doc.get("expirationDate"))
        or _text(doc.get("expires")),
        "issued_on": _text(doc.get("issuedOn")) or _text(doc.get("awardedDate")),
    }


def _checks(report: VerificationReport, lang: str) -> list[dict[str, str]]:
    return [
        {
            "check": str(c.check),
            "status": str(c.status),
            "explanation": c.explanation(lang),
            "message": c.message,
            "code": str(c.code) if c.code is not None else "",
        }
        for c in report.checks
    ]


def report_view(report: VerificationReport, lang: str) -> dict[str, Any]:
    return {
        "verdict": str(report.verdict),
        "kind": report.kind,
        "summary": report.summary(lang),
        "checks": _checks(report, lang),
        "credential": credential_view(report) if report.kind == "credential" else None,
        "inner": [report_view(r, lang) for r in report.credentials],
    }


class VerifyPages:
    """Renders ``verify/form.html`` and ``verify/result.html``."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("lerkit.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, lang: str, **context: Any) -> str:
        lang = lang if lang in STRINGS else "en"
        return self._env.get_template(name).render(t=STRINGS[lang], lang=lang, **context)

    def form(self, lang: str, registries: list[str], error: str | None = None) -> str:
        return self.render("verify/form.html", lang, registries=registries, error=error)

    def result(self, lang: str, report: VerificationReport, registries: list[str]) -> str:
        return self.render(
            "verify/result.html", lang, r=report_view(report, lang), registries=registries
        )


__all__ = ["STRINGS", "VerifyPages", "credential_view", "report_view"]
