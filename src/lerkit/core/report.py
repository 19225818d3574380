"""The verification report: one result per check, each with a stable code and plain words.

A report never hides the difference between *invalid* (a check failed) and *could not
check* (something needed was unavailable, e.g. an unresolvable DID or status list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lerkit.core.errors import ProblemCode
from lerkit.core.types import JsonObject


class CheckStatus(StrEnum):
    """How one check came out."""

    PASS = "pass"  # noqa: S105 — a check status, not a password
    WARNING = "warning"
    FAIL = "fail"
    COULD_NOT_CHECK = "could_not_check"
    NOT_RUN = "not_run"


class Verdict(StrEnum):
    """The overall answer: valid, invalid, or indeterminate (could not check)."""

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"  # nothing failed, but something could not be checked


class Check(StrEnum):
    """The checks, in the order they run. Names are stable."""

    SYNTAX = "syntax"  # JSON shape, VC data model rules
    CONTEXTS = "contexts"  # bundled contexts only, safe-mode JSON-LD
    SCHEMA = "schema"  # 1EdTech JSON Schema (OB 3.0, CLR 2.0)
    PROOF = "proof"  # Data Integrity or JWS signature(s)
    ISSUER = "issuer"  # the issuer controls the signing key
    HOLDER = "holder"  # presentations: the holder controls the signing key
    VALIDITY = "validity"  # validFrom / validUntil against `now`
    STATUS = "status"  # Bitstring Status List revocation / suspension
    CREDENTIALS = "credentials"  # presentations (and CLRs): every embedded credential
    TRUST = "trust"  # the issuer is recognised by a trust registry (only when one is asked)


@dataclass(frozen=True)
class CheckResult:
    """One check: its status, a stable problem code when not passed, and plain words."""

    check: Check
    status: CheckStatus
    message: str
    code: ProblemCode | None = None
    details: JsonObject = field(default_factory=dict)

    def explanation(self, lang: str = "en") -> str:
        """The result in plain words, in ``lang`` (``en`` or ``fr``; others fall back to
        English); :attr:`message` keeps the technical detail."""
        from lerkit.core.messages import explain

        return explain(str(self.check), str(self.status), self.code, lang)

    def to_json(self, lang: str | None = None) -> JsonObject:
        out: JsonObject = {"check": str(self.check), "status": str(self.status)}
        if self.code is not None:
            out["code"] = str(self.code)
        out["message"] = self.message
        if lang is not None:
            out["explanation"] = self.explanation(lang)
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class VerificationReport:
    """Every check of one credential or presentation (and of the credentials inside it)."""

    kind: str  # "credential" | "presentation"
    format: str  # "ldp" (Data Integrity) | "jwt" (VC-JOSE)
    checks: tuple[CheckResult, ...]
    document: JsonObject | None = None
    credentials: tuple[VerificationReport, ...] = ()
    verified_at: str = ""
    lang: str | None = None  # the language of explanations in to_json() (None: none)

    def with_lang(self, lang: str | None) -> VerificationReport:
        """The same report, whose JSON explains each check in ``lang`` (en, fr)."""
        from dataclasses import replace

        return replace(self, lang=lang)

    @property
    def verdict(self) -> Verdict:
        statuses = {c.status for c in self.checks}
        if CheckStatus.FAIL in statuses:
            return Verdict.INVALID
        if CheckStatus.COULD_NOT_CHECK in statuses:
            return Verdict.INDETERMINATE
        return Verdict.VALID

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def problems(self) -> list[CheckResult]:
        return [
            c
            for c in self.checks
            if c.status in (CheckStatus.FAIL, CheckStatus.COULD_NOT_CHECK, CheckStatus.WARNING)
        ]

    @property
    def codes(self) -> list[str]:
        """Problem codes of failed, uncheckable and warning checks, in check order."""
        return [str(c.code) for c in self.problems if c.code is not None]

    def check(self, name: Check) -> CheckResult | None:
        for c in self.checks:
            if c.check is name:
                return c
        return None

    def summary(self, lang: str = "en") -> str:
        """One plain sentence for the whole verdict, in ``lang``."""
        from lerkit.core.messages import verdict_summary

        return verdict_summary(str(self.verdict), self.kind, lang)

    def to_json(self, include_document: bool = False, lang: str | None = None) -> JsonObject:
        """The report as JSON; with ``lang``, each check gains a plain-words
        ``explanation`` and the report a ``summary`` in that language (default: the
        report's own :attr:`lang`)."""
        lang = lang if lang is not None else self.lang
        out: dict[str, Any] = {
            "kind": self.kind,
            "format": self.format,
            "verified": self.verified,
            "verdict": str(self.verdict),
            "verifiedAt": self.verified_at,
            "checks": [c.to_json(lang) for c in self.checks],
        }
        if lang is not None:
            out["lang"] = lang if lang in ("en", "fr") else "en"
            out["summary"] = self.summary(lang)
        if self.credentials:
            out["credentials"] = [r.to_json(include_document, lang) for r in self.credentials]
        if include_document and self.document is not None:
            out["document"] = self.document
        return out
