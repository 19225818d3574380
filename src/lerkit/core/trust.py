"""Trust evaluation (pure): is this issuer recognised, for this kind of credential, and by whom?

A **registry** lists issuers by DID (or, for Open Badges 2.0, by issuer profile URL), each
with what it may issue (credential types, achievement ids or ``fnmatch`` patterns, skill
frameworks) and a validity period. An entry is trusted either directly (the registry's
operator put it there) or through an **accreditation chain**, modelled on EBSI's: a root of
trust (a DID the registry names in ``roots``) accredits accrediting bodies
(``VerifiableAccreditationToAccredit``), which accredit issuers
(``VerifiableAccreditationToAttest``). Each accreditation is a verifiable credential
signed by the accreditor, whose ``credentialSubject`` is::

    {"id": "<accredited DID>",
     "accreditedFor": [{"types": [...], "achievements": [...], "frameworks": [...]}]}

(an empty or missing list means "any"). A chain holds when every link verifies, names the
right subject and accreditor, is current, covers what is asked, and ends at a root.

Verifying a link's credential needs DIDs resolved, which is I/O: the caller passes
``verify`` (a credential in, a report out), so this module stays pure.

The registry document (export / import / publication) is JSON::

    {"type": "LerkitTrustRegistry", "version": 1, "name": ..., "description": ...,
     "roots": [DID, ...], "updated": ISO,
     "entries": [{"did", "name", "role": "issuer" | "accreditor", "credentialTypes",
                  "achievements", "frameworks", "accreditedBy", "accreditation",
                  "validFrom", "validUntil"}]}

A DCC issuer list (``{"meta": {...}, "registry": {DID: {"name", "url", "location"}}}``, the
format of the Digital Credentials Consortium's community registries) reads as a registry
whose entries may issue anything.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.report import Check, CheckResult, CheckStatus, Verdict, VerificationReport
from lerkit.core.types import JsonObject

REGISTRY_TYPE = "LerkitTrustRegistry"
ROLES = ("issuer", "accreditor")
ACCREDIT = "VerifiableAccreditationToAccredit"
ATTEST = "VerifiableAccreditationToAttest"
ACCREDITATION_TYPES = frozenset({"VerifiableAccreditation", ACCREDIT, ATTEST})
MAX_CHAIN = 6
TRUST_VOCAB = "https://lerkit.dev/ns/trust#"
ACCREDITATION_CONTEXT: JsonObject = {
    "VerifiableAccreditation": TRUST_VOCAB + "VerifiableAccreditation",
    ACCREDIT: TRUST_VOCAB + ACCREDIT,
    ATTEST: TRUST_VOCAB + ATTEST,
    "accreditedFor": {"@id": TRUST_VOCAB + "accreditedFor", "@type": "@json"},
}
"""The inline ``@context`` an accreditation credential adds after the VC 2.0 context:
it names the accreditation types and carries ``accreditedFor`` as a JSON literal (so its
``types`` / ``achievements`` / ``frameworks`` lists are signed exactly as written)."""
GENERIC_TYPES = frozenset({"VerifiableCredential"})

VerifyFn = Callable[[JsonObject | str], VerificationReport]


def _invalid(message: str) -> InputError:
    return InputError(message, ProblemCode.TRUST_REGISTRY_INVALID)


@dataclass(frozen=True)
class Scope:
    """What a credential is (asked) or what an entry may issue (granted); empty = any."""

    types: tuple[str, ...] = ()
    achievements: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()

    def covers(self, asked: Scope) -> bool:
        """True when everything ``asked`` names is granted by this scope."""
        if self.types:
            wanted = [t for t in asked.types if t not in GENERIC_TYPES]
            if not wanted or not any(t in self.types for t in wanted):
                return False
        if self.achievements:
            if not asked.achievements:
                return False
            for achievement in asked.achievements:
                if not any(fnmatch.fnmatchcase(achievement, p) for p in self.achievements):
                    return False
        if self.frameworks and asked.frameworks:
            return all(f in self.frameworks for f in asked.frameworks)
        return True

    def describe(self) -> str:
        kinds = [t for t in self.types if t not in GENERIC_TYPES]
        text = " / ".join(kinds) if kinds else "this credential"
        if self.achievements:
            text += f" (achievement {', '.join(self.achievements)})"
        return text

    def to_json(self) -> JsonObject:
        return {
            "types": list(self.types),
            "achievements": list(self.achievements),
            "frameworks": list(self.frameworks),
        }


@dataclass(frozen=True)
class RegistryEntry:
    did: str
    name: str | None = None
    role: str = "issuer"
    scope: Scope = field(default_factory=Scope)
    accredited_by: str | None = None
    accreditation: JsonObject | str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    url: str | None = None
    source: str | None = None  # the subscription it came from (None: the registry's own)

    def current(self, at: datetime) -> bool:
        if self.valid_from is not None and at < self.valid_from:
            return False
        return not (self.valid_until is not None and at > self.valid_until)

    def to_json(self) -> JsonObject:
        out: JsonObject = {"did": self.did, "role": self.role}
        if self.name:
            out["name"] = self.name
        if self.url:
            out["url"] = self.url
        out["credentialTypes"] = list(self.scope.types)
        out["achievements"] = list(self.scope.achievements)
        out["frameworks"] = list(self.scope.frameworks)
        if self.accredited_by:
            out["accreditedBy"] = self.accredited_by
        if self.accreditation is not None:
            out["accreditation"] = self.accreditation
        if self.valid_from is not None:
            out["validFrom"] = _iso(self.valid_from)
        if self.valid_until is not None:
            out["validUntil"] = _iso(self.valid_until)
        if self.source:
            out["source"] = self.source
        return out


@dataclass(frozen=True)
class Registry:
    name: str
    entries: tuple[RegistryEntry, ...] = ()
    roots: tuple[str, ...] = ()
    description: str = ""

    def to_json(self, updated: datetime | None = None) -> JsonObject:
        out: JsonObject = {
            "type": REGISTRY_TYPE,
            "version": 1,
            "name": self.name,
            "description": self.description,
            "roots": list(self.roots),
            "entries": [e.to_json() for e in self.entries if e.source is None],
        }
        if updated is not None:
            out["updated"] = _iso(updated)
        return out


@dataclass(frozen=True)
class Recognition:
    """The answer to "is this issuer recognised for this credential?"."""

    recognised: bool
    registry: str | None
    authority: str | None
    message: str
    code: str
    issuer: str | None = None
    entry: RegistryEntry | None = None
    chain: tuple[str, ...] = ()

    def to_json(self) -> JsonObject:
        out: JsonObject = {
            "recognised": self.recognised,
            "registry": self.registry,
            "authority": self.authority,
            "message": self.message,
            "code": self.code,
            "issuer": self.issuer,
        }
        if self.entry is not None:
            out["entry"] = self.entry.to_json()
        if self.chain:
            out["chain"] = list(self.chain)
        return out


# ----------------------------------------------------------------------------- parsing


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{where} must be an ISO 8601 date-time")
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{where} is not an ISO 8601 date-time: {value!r}") from exc
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _invalid(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _id(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise _invalid(f"{where} must be a DID or URL (at most 500 characters)")
    text = value.strip()
    if not (text.startswith("did:") or text.startswith(("https://", "http://"))):
        raise _invalid(f"{where} must be a DID or an http(s) URL, got {text!r}")
    return text


def parse_entry(raw: object, where: str = "entry", source: str | None = None) -> RegistryEntry:
    """One registry entry from its JSON form (raises ``trust.registry_invalid``)."""
    if not isinstance(raw, dict):
        raise _invalid(f"{where} must be a JSON object")
    role = raw.get("role", "issuer")
    if role not in ROLES:
        raise _invalid(f"{where}.role must be one of {', '.join(ROLES)}")
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 300):
        raise _invalid(f"{where}.name must be a string of at most 300 characters")
    accreditation = raw.get("accreditation")
    if accreditation is not None and not isinstance(accreditation, dict | str):
        raise _invalid(f"{where}.accreditation must be a credential (JSON object or JWT)")
    accredited_by = raw.get("accreditedBy")
    entry = RegistryEntry(
        did=_id(raw.get("did"), f"{where}.did"),
        name=name or None,
        role=role,
        scope=Scope(
            _strings(raw.get("credentialTypes"), f"{where}.credentialTypes"),
            _strings(raw.get("achievements"), f"{where}.achievements"),
            _strings(raw.get("frameworks"), f"{where}.frameworks"),
        ),
        accredited_by=_id(accredited_by, f"{where}.accreditedBy")
        if accredited_by is not None
        else None,
        accreditation=accreditation,
        valid_from=parse_time(raw.get("validFrom"), f"{where}.validFrom"),
        valid_until=parse_time(raw.get("validUntil"), f"{where}.validUntil"),
        url=raw.get("url") if isinstance(raw.get("url"), str) else None,
        source=source,
    )
    if entry.accreditation is not None and entry.accredited_by is None:
        raise _invalid(f"{where}: an accreditation needs accreditedBy (who signed it)")
    return entry


def parse_registry(doc: object, *, name: str | None = None, source: str | None = None) -> Registry:
    """A registry from a lerkit registry document or a DCC issuer list."""
    if not isinstance(doc, dict):
        raise _invalid("a registry document must be a JSON object")
    if doc.get("type") == REGISTRY_TYPE or (
        "entries" in doc and isinstance(doc.get("entries"), list)
    ):
        raw_entries = doc.get("entries", [])
        if not isinstance(raw_entries, list):
            raise _invalid("entries must be a list")
        entries = tuple(parse_entry(e, f"entries[{i}]", source) for i, e in enumerate(raw_entries))
        reg_name = doc.get("name") if isinstance(doc.get("name"), str) else None
        description = doc.get("description") if isinstance(doc.get("description"), str) else ""
        return Registry(
            name=name or reg_name or "registry",
            entries=entries,
            roots=tuple(_id(r, "roots[]") for r in _strings(doc.get("roots"), "roots")),
            description=description or "",
        )
    listed = doc.get("registry", doc.get("entries"))
    if isinstance(listed, dict) and ("meta" in doc or "registry" in doc):
        listed_entries: list[RegistryEntry] = []
        for did, info in listed.items():
            info = info if isinstance(info, dict) else {}
            listed_entries.append(
                RegistryEntry(
                    did=_id(did, "registry key"),
                    name=info.get("name") if isinstance(info.get("name"), str) else None,
                    url=info.get("url") if isinstance(info.get("url"), str) else None,
                    source=source,
                )
            )
        return Registry(name=name or "DCC issuer list", entries=tuple(listed_entries))
    raise _invalid(
        "not a registry: expected a lerkit registry export "
        f'({{"type": "{REGISTRY_TYPE}", "entries": [...]}}) or a DCC issuer list '
        '({"meta": ..., "registry": {DID: {...}}})'
    )


def build_accreditation(
    *,
    accreditor: str,
    subject: str,
    kind: str = "attest",
    accredited_for: Sequence[Scope] = (),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> JsonObject:
    """An unsigned accreditation credential: ``accreditor`` accredits ``subject`` to issue
    (``kind="attest"``: ``VerifiableAccreditationToAttest``) or to accredit others
    (``"accredit"``: ``VerifiableAccreditationToAccredit``) within ``accredited_for``
    (empty: anything). The accreditor signs it (e.g. through the issuing service)."""
    if kind not in ("attest", "accredit"):
        raise InputError("kind must be attest or accredit", ProblemCode.TRUST_REGISTRY_INVALID)
    _id(accreditor, "accreditor")
    _id(subject, "subject")
    scopes = [{k: v for k, v in s.to_json().items() if v} for s in accredited_for] or [{}]
    doc: JsonObject = {
        "@context": ["https://www.w3.org/ns/credentials/v2", ACCREDITATION_CONTEXT],
        "type": [
            "VerifiableCredential",
            "VerifiableAccreditation",
            ATTEST if kind == "attest" else ACCREDIT,
        ],
        "issuer": accreditor,
        "credentialSubject": {"id": subject, "accreditedFor": scopes},
    }
    if valid_from is not None:
        doc["validFrom"] = _iso(valid_from)
    if valid_until is not None:
        doc["validUntil"] = _iso(valid_until)
    return doc


# ----------------------------------------------------------------------------- what is asked


def _types(doc: JsonObject) -> tuple[str, ...]:
    t = doc.get("type", [])
    if isinstance(t, str):
        return (t,)
    return tuple(x for x in t if isinstance(x, str)) if isinstance(t, list) else ()


def scope_of(document: JsonObject | None) -> Scope:
    """What a verified credential document is: its types, its achievement id, the skill
    frameworks its achievement aligns to (OB 3.0 / CLR 2.0; OB 2.0 assertions: the badge;
    SD-JWT VC: ``vct``)."""
    if not isinstance(document, dict):
        return Scope()
    types = list(_types(document))
    if isinstance(document.get("vct"), str):
        types.append(document["vct"])
    achievements: list[str] = []
    frameworks: list[str] = []
    subjects = document.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    if isinstance(document.get("achievement"), dict):  # SD-JWT VC claims (lerkit's shape)
        subjects = [*subjects, {"achievement": document["achievement"]}]
    for subject in subjects:
        if not isinstance(subject, dict):
            continue
        achievement = subject.get("achievement")
        if isinstance(achievement, dict):
            if isinstance(achievement.get("id"), str):
                achievements.append(achievement["id"])
            alignments = achievement.get("alignment")
            for a in alignments if isinstance(alignments, list) else []:
                if isinstance(a, dict) and isinstance(a.get("targetFramework"), str):
                    frameworks.append(a["targetFramework"])
    badge = document.get("badge")
    if isinstance(badge, dict):
        if isinstance(badge.get("id"), str):
            achievements.append(badge["id"])
        alignments = badge.get("alignment")
        for a in alignments if isinstance(alignments, list) else []:
            if isinstance(a, dict) and isinstance(a.get("targetFramework"), str):
                frameworks.append(a["targetFramework"])
    elif isinstance(badge, str):
        achievements.append(badge)
    return Scope(
        tuple(dict.fromkeys(types)),
        tuple(dict.fromkeys(achievements)),
        tuple(dict.fromkeys(frameworks)),
    )


def verified_issuer(report: VerificationReport) -> str | None:
    """The issuer whose identity the report established (issuer check passed), else None."""
    check = report.check(Check.ISSUER)
    if check is None or check.status is not CheckStatus.PASS or report.document is None:
        return None
    doc = report.document
    if report.format == "ob2":
        badge = doc.get("badge")
        issuer = badge.get("issuer") if isinstance(badge, dict) else None
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        return issuer_id if isinstance(issuer_id, str) else None
    issuer = doc.get("issuer", doc.get("iss"))
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer_id if isinstance(issuer_id, str) else None


# ----------------------------------------------------------------------------- evaluation


class _Chain:
    def __init__(self, registry: Registry, verify: VerifyFn | None, at: datetime) -> None:
        self.registry = registry
        self.verify = verify
        self.at = at
        self._reports: dict[str, VerificationReport] = {}

    def _report(self, credential: JsonObject | str) -> VerificationReport | None:
        if self.verify is None:
            return None
        key = credential if isinstance(credential, str) else repr(sorted(credential.items()))
        if key not in self._reports:
            self._reports[key] = self.verify(credential)
        return self._reports[key]

    def link(
        self, entry: RegistryEntry, asked: Scope, needed_type: str, depth: int, seen: frozenset[str]
    ) -> tuple[bool, str, tuple[str, ...]]:
        """Does ``entry``'s accreditation (for ``asked``) lead to a root?"""
        if depth > MAX_CHAIN:
            return False, f"the accreditation chain is longer than {MAX_CHAIN} links", ()
        accreditor = entry.accredited_by
        assert accreditor is not None
        if entry.accreditation is None:
            return (
                False,
                f"{entry.did} names {accreditor} as accreditor but gives no accreditation",
                (),
            )
        if accreditor in seen:
            return False, f"the accreditation chain loops at {accreditor}", ()
        report = self._report(entry.accreditation)
        if report is None:
            return False, "accreditations cannot be verified here", ()
        if report.verdict is not Verdict.VALID:
            failed = next(
                (
                    c
                    for c in report.checks
                    if c.status in (CheckStatus.FAIL, CheckStatus.COULD_NOT_CHECK)
                ),
                None,
            )
            why = failed.message if failed else str(report.verdict)
            return (
                False,
                f"the accreditation of {entry.did} by {accreditor} does not verify: {why}",
                (),
            )
        doc = report.document or {}
        issuer = doc.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != accreditor:
            return (
                False,
                f"the accreditation of {entry.did} is signed by {issuer_id}, not by {accreditor}",
                (),
            )
        types = set(_types(doc))
        if not types & ACCREDITATION_TYPES or needed_type not in types | {
            "VerifiableAccreditation"
        }:
            return False, f"the credential accrediting {entry.did} is not a {needed_type}", ()
        subject = doc.get("credentialSubject")
        subject = subject[0] if isinstance(subject, list) and subject else subject
        if not isinstance(subject, dict) or subject.get("id") != entry.did:
            return (
                False,
                f"the accreditation by {accreditor} is about someone else, not {entry.did}",
                (),
            )
        granted = _granted(subject.get("accreditedFor"))
        if not any(g.covers(asked) for g in granted):
            return False, f"{accreditor} did not accredit {entry.did} for {asked.describe()}", ()
        if accreditor in self.registry.roots:
            return True, f"accredited by {accreditor}, a root of trust", (accreditor,)
        parents = [
            e
            for e in self.registry.entries
            if e.did == accreditor and e.role == "accreditor" and e.current(self.at)
        ]
        if not parents:
            return (
                False,
                f"{accreditor} is neither a root of trust nor an accredited accreditor here",
                (),
            )
        last = "no accreditation"
        for parent in parents:
            if parent.accredited_by is None:
                # listed directly by the registry operator as an accreditor
                if parent.scope.covers(asked):
                    return (
                        True,
                        f"accredited by {accreditor}, an accreditor this registry lists",
                        (accreditor,),
                    )
                last = f"{accreditor} may not accredit for {asked.describe()}"
                continue
            ok, why, chain = self.link(parent, asked, ACCREDIT, depth + 1, seen | {entry.did})
            if ok:
                return True, why, (accreditor, *chain)
            last = why
        return False, last, ()


def _granted(value: object) -> list[Scope]:
    if value is None:
        return [Scope()]
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            out.append(
                Scope(
                    _strings(item.get("types"), "accreditedFor.types"),
                    _strings(item.get("achievements"), "accreditedFor.achievements"),
                    _strings(item.get("frameworks"), "accreditedFor.frameworks"),
                )
            )
        except InputError:
            continue
    return out


def _name(entry: RegistryEntry | None, did: str | None, registry: Registry) -> str | None:
    if did is None:
        return None
    for e in registry.entries:
        if e.did == did and e.name:
            return f"{e.name} ({did})"
    return did


def recognise(
    registry: Registry,
    issuer: str | None,
    asked: Scope,
    *,
    at: datetime,
    verify: VerifyFn | None = None,
) -> Recognition:
    """Is ``issuer`` recognised by ``registry`` for ``asked`` at ``at``?

    ``verify`` verifies accreditation credentials (None: entries that rest on an
    accreditation are not recognised, since it cannot be checked).
    """
    label = registry.name
    if issuer is None:
        return Recognition(
            False,
            label,
            None,
            "the issuer's identity was not established, so trust was not evaluated",
            str(ProblemCode.ISSUER_UNTRUSTED),
        )
    base = issuer.split("#", 1)[0]
    candidates = [e for e in registry.entries if e.did in (issuer, base)]
    if not candidates:
        return Recognition(
            False,
            label,
            None,
            f"{issuer} is not in the registry {label}",
            str(ProblemCode.ISSUER_UNTRUSTED),
            issuer,
        )
    chain = _Chain(registry, verify, at)
    reasons: list[tuple[str, str]] = []
    for entry in candidates:
        if not entry.current(at):
            reasons.append(
                (
                    str(ProblemCode.ISSUER_UNTRUSTED),
                    f"its entry in {label} is not valid at {_iso(at)}",
                )
            )
            continue
        if not entry.scope.covers(asked):
            reasons.append(
                (
                    str(ProblemCode.ISSUER_UNTRUSTED),
                    f"{label} lists it, but not for {asked.describe()}",
                )
            )
            continue
        if entry.accredited_by is None:
            via = f" (via {entry.source})" if entry.source else ""
            return Recognition(
                True,
                label,
                label,
                f"issuer {entry.name or issuer} is recognised by {label}{via} "
                f"for {asked.describe()}",
                str(ProblemCode.ISSUER_RECOGNISED),
                issuer,
                entry,
            )
        ok, why, links = chain.link(entry, asked, ATTEST, 1, frozenset())
        if ok:
            authority = _name(entry, entry.accredited_by, registry)
            return Recognition(
                True,
                label,
                authority,
                f"issuer {entry.name or issuer} is recognised by {label} "
                f"for {asked.describe()}: {why}",
                str(ProblemCode.ISSUER_RECOGNISED),
                issuer,
                entry,
                (issuer, *links),
            )
        reasons.append((str(ProblemCode.TRUST_ACCREDITATION_INVALID), why))
    code, why = next(
        (r for r in reasons if r[0] == str(ProblemCode.TRUST_ACCREDITATION_INVALID)), reasons[0]
    )
    return Recognition(
        False, label, None, f"{issuer} is not recognised by {label}: {why}", code, issuer
    )


def merge(
    name: str, registries: Iterable[Registry], roots: Sequence[str] = (), description: str = ""
) -> Registry:
    """One registry of several (its own entries first, then subscribed ones)."""
    entries: list[RegistryEntry] = []
    all_roots: list[str] = list(roots)
    for r in registries:
        entries.extend(r.entries)
        all_roots.extend(r.roots)
    return Registry(name, tuple(entries), tuple(dict.fromkeys(all_roots)), description)


# ----------------------------------------------------------------------------- in the report


def trust_check(recognition: Recognition) -> CheckResult:
    details: dict[str, Any] = {"registry": recognition.registry}
    if recognition.authority:
        details["authority"] = recognition.authority
    if recognition.chain:
        details["chain"] = list(recognition.chain)
    if recognition.recognised:
        return CheckResult(
            Check.TRUST,
            CheckStatus.PASS,
            recognition.message,
            ProblemCode.ISSUER_RECOGNISED,
            details,
        )
    return CheckResult(
        Check.TRUST,
        CheckStatus.WARNING,
        recognition.message,
        ProblemCode(recognition.code),
        details,
    )


def with_trust(
    report: VerificationReport, evaluate: Callable[[str | None, Scope], Recognition]
) -> VerificationReport:
    """``report`` with a trust check (credentials: its issuer; presentations and CLRs: each
    credential inside too). ``evaluate(issuer, scope)`` answers for one issuer."""
    subs = tuple(with_trust(r, evaluate) for r in report.credentials)
    if report.kind == "presentation":
        if not subs:
            return replace(report, credentials=subs)
        trusted = [r.check(Check.TRUST) for r in subs]
        ok = all(c is not None and c.status is CheckStatus.PASS for c in trusted)
        check = (
            CheckResult(
                Check.TRUST,
                CheckStatus.PASS,
                "every credential's issuer is recognised",
                ProblemCode.ISSUER_RECOGNISED,
            )
            if ok
            else CheckResult(
                Check.TRUST,
                CheckStatus.WARNING,
                "not every credential's issuer is recognised",
                ProblemCode.ISSUER_UNTRUSTED,
            )
        )
        return replace(report, checks=(*report.checks, check), credentials=subs)
    issuer = verified_issuer(report)
    if issuer is None:
        check = CheckResult(
            Check.TRUST,
            CheckStatus.NOT_RUN,
            "not run: the issuer's identity was not established (signature or issuer check)",
        )
    else:
        check = trust_check(evaluate(issuer, scope_of(report.document)))
    return replace(report, checks=(*report.checks, check), credentials=subs)


__all__ = [
    "ACCREDIT",
    "ACCREDITATION_CONTEXT",
    "ATTEST",
    "REGISTRY_TYPE",
    "Recognition",
    "Registry",
    "RegistryEntry",
    "Scope",
    "build_accreditation",
    "merge",
    "parse_entry",
    "parse_registry",
    "recognise",
    "scope_of",
    "trust_check",
    "verified_issuer",
    "with_trust",
]
